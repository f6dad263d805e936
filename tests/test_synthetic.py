"""Synthetic training pairs: controlled-English templates over FOLIO's vocabulary, read by the symbolic parser."""

from __future__ import annotations

import re

from nsp.logic.syntax import parse
from nsp.parse.synthetic import TEMPLATES, Vocabulary, folio_vocabulary, synthetic_pairs

SMALL = Vocabulary(nouns=("dog", "cat", "bird", "horse"), adjectives=("red", "big", "quiet", "happy"),
                   verbs=("love", "see"), names=("Bob", "Ann", "Eve"))


def test_vocabulary_comes_from_the_folio_pool_and_keeps_word_classes_apart():
    v = folio_vocabulary()
    assert len(v.nouns) > 100 and len(v.adjectives) > 30 and len(v.verbs) > 10 and len(v.names) > 100
    assert {"mammal", "student"} <= set(v.nouns) and "popular" in v.adjectives and "love" in v.verbs
    assert not set(v.nouns) & set(v.adjectives) and not {"be", "do", "have"} & set(v.verbs)
    assert all(n[:1].isupper() for n in v.names)


def test_pairs_are_deterministic_distinct_and_read_strictly():
    a = synthetic_pairs(300, seed=0)
    assert a == synthetic_pairs(300, seed=0) and a != synthetic_pairs(300, seed=1)
    assert len(a) == 300 and len({e.english for e in a}) == 300
    for e in a:
        parse(e.fol, "folio", strict=True)  # FOLIO syntax, as the prompts and the model write it
        assert e.story == "synthetic"


def test_every_template_shape_yields_pairs_and_the_formulas_have_the_template_shape():
    pairs = synthetic_pairs(len(TEMPLATES) * 4, seed=0, vocab=SMALL)
    shapes = {re.sub(r"\b(Bob|Ann|Eve|dogs?|cats?|birds?|horses?|red|big|quiet|happy|loves?|sees?)\b", "_", e.english)
              for e in pairs}
    assert len(shapes) >= 0.9 * len(TEMPLATES)  # nearly every template reads with this vocabulary
    fol = {e.english: e.fol for e in pairs}
    for english, formula in fol.items():
        if re.fullmatch(r"No (dog|cat|bird|horse) is an? (dog|cat|bird|horse)\.", english):
            a, b = re.findall(r"\b(dog|cat|bird|horse)\b", english)
            assert formula == f"∀x ({a.title()}(x) → ¬{b.title()}(x))"
        m = re.fullmatch(r"(Bob|Ann|Eve) is either (\w+) or (\w+), but not both\.", english)
        if m:
            c, p, q = m.groups()
            assert formula == f"{p.title()}({c.lower()}) ⊕ {q.title()}({c.lower()})"
        m = re.fullmatch(r"(Bob|Ann|Eve) (loves|sees) (Bob|Ann|Eve)\.", english)
        if m:
            assert formula == f"{m.group(2)[:-1].title()}({m.group(1).lower()}, {m.group(3).lower()})"
    # the checks above ran: the three shapes occur
    assert any(e.startswith("No ") and " is a" in e for e in fol)
    assert any(e.endswith("but not both.") for e in fol)
    assert any(re.fullmatch(r"\w+ (loves|sees) \w+\.", e) for e in fol)


def test_a_vocabulary_too_small_for_the_templates_is_refused():
    import pytest

    with pytest.raises(ValueError, match="too small"):
        synthetic_pairs(10, vocab=Vocabulary(("dog",), ("red",), ("love",), ("Bob",)))
