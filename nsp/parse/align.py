"""One name per concept across a problem's translated sentences.

A model translates each sentence on its own, so one concept can get several names
(``Mammal`` / ``IsMammal`` / ``Mammals``, ``Love`` / ``Loves``, ``john`` / ``John_Smith``?): the
prover then sees unrelated symbols and answers Uncertain. :func:`align` renames symbols of
*model-made* formulas onto the symbol of the same kind and arity met first (premises in order,
then the conclusion) whose **key** is equal. Symbols of symbolic-parser formulas are never
renamed, and they claim their keys first (that parser already gives one name per concept), so a
fully symbolic problem is unchanged.

The key of a name: its words (split at camelCase, ``_``, ``-``, ``.`` and digits), lower-cased,
without the copula and articles (``is are was were be being been a an the``), each reduced to its
lemma (lemminflect: ``loves`` → love, ``mammals`` → mammal, ``won`` → win). Nothing fuzzier:
``Tall`` and ``TallPerson`` stay apart, as do ``Wings`` and ``HasWings``.

One reading besides renaming: the symbolic parser reads an adjective and a noun as a conjunction
(``Local(mona) ∧ Artist(mona)``). A model-made unary predicate whose key is the keys of two unary
predicates of the symbolic parser's formulas, in order (``LocalArtist``), is read as their
conjunction in model-made formulas (``LocalArtist(x)`` becomes ``Local(x) ∧ Artist(x)``), so the
two front ends' formulas chain; the renaming reports it as ``LocalArtist → Local ∧ Artist``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Sequence

from nsp.logic.analysis import Symbol, SignatureError, rename_symbol, signature
from nsp.logic.ir import And, Atom, Node
from nsp.logic.walk import rebuild_if_changed, transform

_SPLIT = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+|[^\W\d_]+")
_DROP = frozenset("is are was were be being been a an the".split())


@lru_cache(maxsize=65536)
def name_key(name: str) -> str:
    """The words of a symbol name as lemmas (module docstring); ``""`` for an empty name."""
    from nsp.parse.lexicon import lemmas

    folded = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    words = [w.lower() for w in _SPLIT.findall(folded)]
    kept = [w for w in words if w not in _DROP] or words
    out = []
    for w in kept:
        found = lemmas(w)
        # the noun reading first (predicates are mostly nouns and adjectives), then the verb's
        lemma = next((ls[0] for pos in ("NOUN", "VERB", "ADJ") for ls in [found.get(pos, ())] if ls), w)
        out.append(lemma.lower())
    return " ".join(out)


def align(formulas: Sequence[Node], sources: Sequence[str]) -> tuple[list[Node], dict[str, str]]:
    """Rename model-made symbols onto earlier symbols with the same key, kind and arity.

    ``sources[i]`` is ``"symbolic"`` or ``"model"`` for ``formulas[i]``. Returns the formulas and
    the renaming ``{old name: new name}`` (empty when nothing changed)."""
    formulas = list(formulas)
    keep: set[tuple[str, str, int]] = set()  # symbols a symbolic formula uses
    order: list[tuple[Symbol, bool]] = []  # every symbol once, first use first; model-made?
    seen: set[tuple[str, str, int]] = set()
    for f, src in zip(formulas, sources):
        try:
            table = signature([f])
        except SignatureError:
            return formulas, {}
        for sym in table.values():
            ident = (sym.name, sym.kind, sym.arity)
            if src != "model":
                keep.add(ident)
            if ident not in seen:
                seen.add(ident)
                order.append((sym, src == "model"))
    canonical: dict[tuple[str, str, int], str] = {}  # (key, kind, arity) -> name kept
    renames: dict[Symbol, str] = {}
    order.sort(key=lambda pair: pair[1])  # symbolic-parser names claim their keys first (stable)
    for sym, _ in order:
        slot = (name_key(sym.name), sym.kind, sym.arity)
        first = canonical.setdefault(slot, sym.name)
        if first != sym.name and (sym.name, sym.kind, sym.arity) not in keep:
            renames[sym] = first
    splits = _compounds([sym for sym, model in order if model and sym not in renames],
                        [sym for sym, model in order if not model])
    if not renames and not splits:
        return formulas, {}
    out = []
    for f, src in zip(formulas, sources):
        if src == "model":
            for sym, new in renames.items():
                f = rename_symbol(f, sym, new)
            if splits:
                f = transform(f, lambda n, cs: And(*(Atom(q, cs) for q in splits[n.payload]))
                              if n.kind == "atom" and n.payload in splits else rebuild_if_changed(n, cs))
        out.append(f)
    return out, {**{s.name: new for s, new in renames.items()}, **{p: " ∧ ".join(qs) for p, qs in splits.items()}}


def _compounds(model: Sequence[Symbol], symbolic: Sequence[Symbol]) -> dict[str, tuple[str, str]]:
    """Model-made unary predicates whose key is the keys of two unary predicates of the symbolic
    parser's formulas, in order (``LocalArtist`` when that parser read "local artist" as
    ``Local(x) ∧ Artist(x)``): name -> the two names, to read the compound as their conjunction,
    the intersective reading that parser gives an adjective and a noun."""
    unary = [s.name for s in symbolic if s.kind == "predicate" and s.arity == 1]
    pairs: dict[str, tuple[str, str]] = {}  # the key of "q r" -> (q, r), the first pair in order
    for q in unary:
        for r in unary:
            if q != r:
                pairs.setdefault(f"{name_key(q)} {name_key(r)}", (q, r))
    names = {s.name for s in symbolic}
    return {sym.name: pairs[name_key(sym.name)] for sym in model
            if sym.kind == "predicate" and sym.arity == 1 and sym.name not in names and name_key(sym.name) in pairs}
