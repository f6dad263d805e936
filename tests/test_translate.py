"""LINC voting and Logic-LM repair, on recorded samples and a canned server on 127.0.0.1."""

from __future__ import annotations

import json

import pytest

from nsp.parse.backends import ReplayBackend
from nsp.parse.endpoint import EndpointBackend
from nsp.parse.prompts import Retriever, default_retriever, folio_split, load_pool, tokens, translation_prompt
from nsp.parse.translate import Settings, translate_problem
from provers.outcome import Outcome
from tests.test_backends import CannedServer

DOGS = ["All dogs are animals.", "Rex is a dog."]
ANIMAL = "Rex is an animal."
OUTSIDE = "Rex loves to chase squirrels in the park."  # outside the symbolic grammar
RULE = "∀x (Dog(x) → Animal(x))"


def _replay(tmp_path, samples, item_id="p"):
    f = tmp_path / "replay.jsonl"
    f.write_text(json.dumps({"id": item_id, "samples": samples}, ensure_ascii=False) + "\n", encoding="utf-8")
    return ReplayBackend(f)


def test_majority_vote_counts_discarded_samples(tmp_path):
    samples = [
        [RULE, "Dog(rex)", "Animal(rex)"],  # True
        [RULE, "Dog(rex)", "Animal(rex)"],  # True
        [RULE, "Cat(rex)", "Animal(rex)"],  # Uncertain
        [RULE, "Dog(rex) ∧ ∧", "Animal(rex)"],  # does not parse
        [RULE, "Dog(rex) ∧ ¬Animal(rex)", "Animal(rex)"],  # inconsistent premises
    ]
    tr = translate_problem(DOGS, ANIMAL, _replay(tmp_path, samples), Settings(vote="evidence"), item_id="p")
    assert tr.predicted == "True" and tr.chosen == 0
    assert tr.votes == {"True": 2, "Uncertain": 1}
    assert translate_problem(DOGS, ANIMAL, _replay(tmp_path, samples), item_id="p").votes == {"True": 2}  # proof
    assert tr.discarded == {"parse": 1, "inconsistent": 1}
    assert [s.discarded for s in tr.samples] == ["", "", "", "parse", "inconsistent"]
    assert "premise 2: column" in tr.samples[3].error
    # The sentences the symbolic parser reads identically are credited to it.
    assert tr.samples[0].sources == ("symbolic", "symbolic", "symbolic")
    assert tr.samples[2].sources == ("symbolic", "model", "symbolic")


def test_tie_goes_to_the_outcome_seen_first(tmp_path):
    samples = [[RULE, "Cat(rex)", "Animal(rex)"], [RULE, "Dog(rex)", "Animal(rex)"]]
    ev = Settings(vote="evidence")
    assert translate_problem(DOGS, ANIMAL, _replay(tmp_path, samples), ev, item_id="p").predicted == "Uncertain"
    assert translate_problem(DOGS, ANIMAL, _replay(tmp_path, samples[::-1]), ev, item_id="p").predicted == "True"


def test_no_usable_sample_is_an_error_not_a_guess(tmp_path):
    tr = translate_problem(DOGS, ANIMAL, _replay(tmp_path, [[RULE, "Dog(", "Animal(rex)"], [RULE, "Dog(rex) →"]]),
                           item_id="p")
    assert tr.predicted is None and tr.discarded == {"parse": 2}
    assert tr.error.startswith("no usable sample (2 parse)")


def test_a_sample_with_another_formula_count_reads_as_linc_reads_it(tmp_path):
    # LINC: the last formula is the conclusion, the others the premises; a structural repair.
    tr = translate_problem(DOGS, ANIMAL, _replay(tmp_path, [[RULE, "Dog(rex)", "Cat(tom)", "Animal(rex)"]]),
                           item_id="p")
    smp = tr.samples[0]
    assert smp.outcome is Outcome.TRUE and smp.structural
    assert [k for k, _ in smp.repairs] == ["count"] and smp.problem.premise_texts == ()


def test_symbolic_parser_carries_a_problem_without_any_model():
    tr = translate_problem(DOGS + ["Tom is a cat."], ANIMAL, None)
    assert tr.predicted == "True" and tr.model_calls == 0 and len(tr.samples) == 1
    assert tr.samples[0].fol == (RULE, "Dog(rex)", "Cat(tom)", "Animal(rex)")
    assert set(tr.samples[0].sources) == {"symbolic"}


def test_unparsed_sentence_without_a_model_is_an_error():
    tr = translate_problem(DOGS + [OUTSIDE], ANIMAL, None)
    assert tr.predicted is None and "outside the symbolic parser's grammar" in tr.error


def test_only_unparsed_sentences_go_to_the_model_in_one_call_with_k_samples():
    answers = ["Chase(rex, squirrel)", "Loves(rex)", "Chase(rex, squirrel)"]
    with CannedServer(lambda p: answers) as srv:
        tr = translate_problem(DOGS + [OUTSIDE], ANIMAL, EndpointBackend(srv.url),
                               Settings(mode="sentence", samples=3))
    assert len(srv.requests) == 1 and srv.requests[0]["n"] == 3
    prompt = srv.requests[0]["prompt"]
    assert prompt.endswith(f"English: {OUTSIDE}\nFOL:")
    assert f"English: All dogs are animals.\nFOL: {RULE}" in prompt  # the problem's own parses as context
    assert srv.requests[0]["temperature"] > 0
    assert [s.fol[2] for s in tr.samples] == answers
    assert tr.votes == {"True": 3} and tr.samples[0].sources == ("symbolic", "symbolic", "model", "symbolic")


def test_repair_reprompts_a_parse_failure_with_the_error():
    def answer(prompt):
        return ["Chase(rex, squirrel)"] if "Wrong FOL:" in prompt else ["Chase(rex, squirrel) ∧ ∧"]

    with CannedServer(answer) as srv:
        tr = translate_problem(DOGS + [OUTSIDE], ANIMAL, EndpointBackend(srv.url),
                               Settings(mode="sentence", repair_rounds=1))
    assert len(srv.requests) == 2
    repair = srv.requests[1]["prompt"]
    assert "Wrong FOL: Chase(rex, squirrel) ∧ ∧\n" in repair and "Problem:" in repair and "^" in repair
    assert tr.predicted == "True" and tr.samples[0].repair_rounds == 1

    with CannedServer(answer) as srv:
        tr = translate_problem(DOGS + [OUTSIDE], ANIMAL, EndpointBackend(srv.url),
                               Settings(mode="sentence", repair_rounds=0))
    assert len(srv.requests) == 1 and tr.predicted is None and tr.discarded == {"parse": 1}


def test_repair_reprompts_the_model_formulas_of_an_inconsistent_core():
    def answer(prompt):
        return ["Chase(rex, squirrel)"] if "contradictory" in prompt else ["¬Animal(rex)"]

    with CannedServer(answer) as srv:
        tr = translate_problem(DOGS + [OUTSIDE], ANIMAL, EndpointBackend(srv.url),
                               Settings(mode="sentence", repair_rounds=2))
    assert len(srv.requests) == 2
    assert "¬Animal(rex)" in srv.requests[1]["prompt"] and RULE in srv.requests[1]["prompt"]
    assert tr.predicted == "True" and tr.discarded == {}


def test_a_shared_cache_translates_a_storys_premises_once():
    with CannedServer(lambda p: ["Chase(rex, squirrel)"]) as srv:
        gen, cache = EndpointBackend(srv.url), {}
        sentence = Settings(mode="sentence")
        a = translate_problem(DOGS + [OUTSIDE], ANIMAL, gen, sentence, cache=cache)
        b = translate_problem(DOGS + [OUTSIDE], "Rex is a dog.", gen, sentence, cache=cache)
        c = translate_problem(DOGS + [OUTSIDE], "Rex chases a squirrel in the park.", gen, sentence, cache=cache)
    assert (a.model_calls, b.model_calls, c.model_calls) == (1, 0, 1)
    assert len(srv.requests) == 2  # the third problem asked only for its new conclusion


# ---------------------------------------------------------------- prompts and the pool


def test_pool_holds_train_stories_only():
    pool = load_pool()
    assert len(pool) > 1000
    assert all(folio_split(e.story) == "train" for e in pool)


def test_split_rule_is_by_story_and_stable():
    assert [folio_split(s) for s in (0, 1, 2, 3, 193)] == [folio_split(s) for s in ("0", "1", "2", "3", "193")]
    assert folio_split(193) == "dev" and folio_split(406) == "train"


def test_retrieval_prefers_overlap_and_skips_the_own_story():
    r = Retriever(load_pool())
    best = r.nearest("All people who regularly drink coffee are dependent on caffeine.", 3)
    assert any("coffee" in e.english.lower() for e in best)
    assert all(e.story != "406" for e in r.nearest("Rina is a student who drinks coffee.", 5, exclude_story="406"))
    assert tokens("The dogs are barking") == ["dog", "barking"]


def test_prompt_puts_best_example_last():
    exs = default_retriever().nearest("All cats are mammals.", 3)
    p = translation_prompt("All cats are mammals.", exs)
    assert p.rfind(exs[0].english) > p.rfind(exs[2].english)
    assert p.endswith("English: All cats are mammals.\nFOL:")


@pytest.mark.parametrize("bad", ["", "   ", "(" * 300_000, "(" * 1_500, "∀x (P(x) ∧"], ids=["empty", "blank", "huge", "deep", "cut"])
def test_garbage_model_text_is_discarded_not_raised(tmp_path, bad):
    tr = translate_problem(DOGS, ANIMAL, _replay(tmp_path, [[RULE, bad, "Animal(rex)"]]), item_id="p")
    assert tr.predicted is None and tr.discarded == {"parse": 1}


# ---------------------------------------------------------------- one vocabulary per problem


def test_conclusion_is_translated_after_the_premises_with_each_samples_own_premises():
    story = ["Rex loves to chase squirrels in the park.", "As a rule, chasing squirrels makes a dog happy."]
    question = "Rex would be happy, probably."  # all three are outside the symbolic grammar

    def answer(prompt):
        if prompt.endswith(f"English: {question}\nFOL:"):
            return ["Happy(rex)"]
        if prompt.endswith(f"English: {story[0]}\nFOL:"):
            return ["ChaseSquirrels(rex)", "Loves(rex)"]
        return ["∀x (ChaseSquirrels(x) → Happy(x))"] * 2

    with CannedServer(answer) as srv:
        tr = translate_problem(story, question, EndpointBackend(srv.url),
                               Settings(mode="sentence", samples=2, conclusion_context=True, vote="evidence"))
    first, second = srv.requests[:2], srv.requests[2:]  # the endpoint sends one request per prompt
    assert [r["n"] for r in first] == [2, 2] and all(question not in r["prompt"] for r in first)
    assert len(second) == 2 and all(r["prompt"].endswith(f"English: {question}\nFOL:") for r in second)
    # each conclusion prompt carries its own sample's premise translations as context (the two
    # requests are in flight together, so they may arrive in either order)
    contexts = sorted("ChaseSquirrels" if "FOL: ChaseSquirrels(rex)\n" in r["prompt"] else
                      "Loves" if "FOL: Loves(rex)\n" in r["prompt"] else "neither" for r in second)
    assert contexts == ["ChaseSquirrels", "Loves"]
    assert tr.votes == {"True": 1, "Uncertain": 1}

    with CannedServer(answer) as srv:  # by default the conclusion joins the premises' call
        translate_problem(story, question, EndpointBackend(srv.url), Settings(mode="sentence", samples=2))
    assert len(srv.requests) == 3 and all(r["n"] == 2 for r in srv.requests)


def test_model_names_for_one_concept_are_aligned_before_deciding(tmp_path):
    from nsp.parse.align import align, name_key
    from nsp.logic.syntax import parse

    assert name_key("IsMammal") == name_key("Mammals") == "mammal"
    assert name_key("Loves") == name_key("love") and name_key("Beyoncé") == "beyonce"
    assert name_key("TallPerson") != name_key("Tall") and name_key("HasWings") != name_key("Wings")
    samples = [[RULE, "IsDog(rex)", "Animals(rex)"]]
    tr = translate_problem(DOGS, ANIMAL, _replay(tmp_path, samples), item_id="p")
    assert tr.predicted == "True" and tr.samples[0].problem.premises[1] == parse("Dog(rex)").formula
    from nsp.parse.pipeline import check_lines, check_problem

    shown = check_lines(check_problem(DOGS, ANIMAL, _replay(tmp_path, samples), item_id="p"))
    assert "names aligned (one name per concept): Animals → Animal, IsDog → Dog" in shown
    # a symbolic parser's name is never renamed, and wins its key even when met later
    nodes = [parse(t).formula for t in ["Mammals(rex)", "∀x (Mammal(x) → Animal(x))"]]
    out, renamed = align(nodes, ["model", "symbolic"])
    assert renamed == {"Mammals": "Mammal"} and out[1] is nodes[1]
    # different arity or kind: never merged
    out, renamed = align([parse(t).formula for t in ["Love(rex)", "Loves(rex, tom)"]], ["model", "model"])
    assert renamed == {}


def test_countermodel_facts_show_unary_predicates_only(tmp_path):
    """`nsp check` lists the counter-model's facts about named individuals for the problem's unary
    predicates; a relation that holds of nothing is not shown as a unary fact (it was: ¬Get(maria))."""
    from nsp.parse.pipeline import check_json, check_lines, check_problem

    premises = ["Anyone who passes the exam gets a certificate.", "Maria is a student."]
    conclusion = "Maria gets a certificate."
    fol = ["∀x (Pass(x, exam) → ∃y (Certificate(y) ∧ Get(x, y)))", "Student(maria)",
           "∃x (Certificate(x) ∧ Get(maria, x))"]
    result = check_problem(premises, conclusion, _replay(tmp_path, [fol]), item_id="p")
    assert result.translation.predicted == "Uncertain"
    facts = check_json(result)["explanation"]["countermodel_facts"]
    assert "Student(maria)" in facts and all(f.lstrip("¬").split("(")[0] in ("Student", "Certificate") for f in facts)
    assert any(f.startswith("¬Certificate(") or f.startswith("Certificate(") for f in facts)
    assert f"  {', '.join(facts)}" in check_lines(result)


def test_a_model_compound_is_read_as_the_symbolic_parsers_conjunction(tmp_path):
    """The symbolic parser reads "Mona is a local artist" as Local(mona) ∧ Artist(mona); a
    model-made LocalArtist(x) in the same problem is read the same way, so the two chain."""
    from nsp.parse.align import align
    from nsp.logic.syntax import parse

    premises = ["Every local artist who sells work online earns a steady income.", "Mona is a local artist.",
                "Mona sells work online."]
    conclusion = "Mona earns a steady income."
    fol = ["∀x ((LocalArtist(x) ∧ SellWorkOnline(x)) → Earn(x))", "Local(mona) ∧ Artist(mona)",
           "SellWorkOnline(mona)", "Earn(mona)"]  # the second is the symbolic parser's reading
    tr = translate_problem(premises, conclusion, _replay(tmp_path, [fol]), item_id="p")
    assert tr.samples[0].sources == ("model", "symbolic", "model", "model")
    assert tr.predicted == "True" and tr.samples[0].renamed == (("LocalArtist", "Local ∧ Artist"),)
    assert "(Local(x) ∧ Artist(x)) ∧ SellWorkOnline(x)" in str(tr.samples[0].problem.premises[0])
    # only onto the symbolic parser's own predicates, and never a name that parser uses itself
    nodes = [parse(t).formula for t in ["LocalArtist(mona)", "Local(mona) ∧ Artist(mona)"]]
    assert align(nodes, ["model", "model"])[1] == {}
    assert align(nodes, ["symbolic", "model"])[1] == {}
    out, renamed = align(nodes, ["model", "symbolic"])
    assert renamed == {"LocalArtist": "Local ∧ Artist"} and str(out[0]) == "Local(mona) ∧ Artist(mona)"


# ---------------------------------------------------------------- whole problems (the default mode)


def test_whole_mode_continues_the_block_after_the_symbolic_lines():
    """One generation per sample: the prompt is the problem and the block so far, with every line
    the symbolic parser read fixed in it; the model writes the rest, cut before the next fixed line."""
    from nsp.parse.whole import problem_prompt

    with CannedServer(lambda p: ["3. Chase(rex, squirrel)\nC. Animal(rex)\n"] * 2) as srv:
        tr = translate_problem(DOGS + [OUTSIDE], ANIMAL, EndpointBackend(srv.url), Settings(samples=2))
    assert Settings().mode is None and EndpointBackend.layout == "whole"  # the default: the translator's own
    assert len(srv.requests) == 1
    req = srv.requests[0]
    assert req["prompt"] == problem_prompt(DOGS + [OUTSIDE], ANIMAL) + f"1. {RULE}\n2. Dog(rex)\n" and req["n"] == 2
    assert req["stop"] == ["\nC."]  # the conclusion's line is the symbolic parser's, not the model's
    assert [s.fol[2] for s in tr.samples] == ["Chase(rex, squirrel)"] * 2
    assert tr.samples[0].sources == ("symbolic", "symbolic", "model", "symbolic") and tr.votes == {"True": 2}


def test_whole_mode_repairs_a_line_after_its_own_samples_earlier_lines():
    def answer(prompt):
        return [" Chase(rex, squirrel)"] if prompt.endswith("\n3.") else ["3. Chase(rex, squirrel) ∧ ∧\n"]

    with CannedServer(answer) as srv:
        tr = translate_problem(DOGS + [OUTSIDE], ANIMAL, EndpointBackend(srv.url), Settings(repair_rounds=1))
    assert len(srv.requests) == 2
    repair = srv.requests[1]
    assert repair["prompt"].endswith(f"1. {RULE}\n2. Dog(rex)\n3.") and repair["temperature"] > 0
    assert tr.predicted == "True" and tr.samples[0].repair_rounds == 1 and tr.samples[0].fol[2] == "Chase(rex, squirrel)"


BARKS = "Rex is an animal that barks at every passing car."  # a conclusion outside the symbolic grammar


def _vocabulary_answer(candidates):
    def answer(prompt):
        if prompt.endswith("\nC."):  # the conclusion drawn again after the sample's premises
            return candidates
        return ["C. Barker(rex)\n"]  # a name no premise uses: no proof can reach it
    return answer


def test_vocabulary_repair_redraws_a_conclusion_in_another_vocabulary():
    """A decided sample whose conclusion uses a name its premises lack gets its conclusion drawn
    again after its own premise lines; the first draw using only the premises' names replaces it."""
    with CannedServer(_vocabulary_answer([" Pet(rex)", " Animal(rex) ∧ Dog(rex)", " Animal(rex)"])) as srv:
        tr = translate_problem(DOGS, BARKS, EndpointBackend(srv.url), Settings(vocabulary_repair=3))
    assert len(srv.requests) == 2
    redraw = srv.requests[1]
    assert redraw["prompt"].endswith(f"1. {RULE}\n2. Dog(rex)\nC.") and redraw["n"] == 3 and redraw["temperature"] > 0
    smp = tr.samples[0]
    assert smp.fol[2] == "Animal(rex) ∧ Dog(rex)" and smp.names_agree and smp.repair_rounds == 1
    assert tr.predicted is Outcome.TRUE


def test_vocabulary_repair_keeps_the_sample_when_no_draw_fits_and_can_be_turned_off():
    with CannedServer(_vocabulary_answer([" Pet(rex)", " Barks(rex)"])) as srv:
        tr = translate_problem(DOGS, BARKS, EndpointBackend(srv.url), Settings(vocabulary_repair=4))
    assert len(srv.requests) == 2 and tr.samples[0].fol[2] == "Barker(rex)" and tr.predicted is Outcome.UNCERTAIN
    with CannedServer(_vocabulary_answer([" Animal(rex)"])) as srv:
        tr = translate_problem(DOGS, BARKS, EndpointBackend(srv.url), Settings(vocabulary_repair=0))
    assert len(srv.requests) == 1 and tr.predicted is Outcome.UNCERTAIN and not tr.samples[0].names_agree


def test_vocabulary_repair_lets_the_model_redraw_a_symbolic_conclusion_in_its_premises_names():
    """The symbolic parser reads 'Rex chases Sam.' as Chase(rex, sam), right on its own, but the
    model's premise says Hunts: the conclusion is drawn by the model after the premises, and the
    draw that uses their names is kept, as a model-made sentence."""
    premises = ["Rex chases every squirrel that he sees in the park.", "Sam is a squirrel."]

    def answer(prompt):
        if prompt.endswith("\nC."):
            return [" Hunts(rex, sam)"]
        return ["1. ∀x (Squirrel(x) → Hunts(rex, x))\n"]

    with CannedServer(answer) as srv:
        tr = translate_problem(premises, "Rex chases Sam.", EndpointBackend(srv.url), Settings(vocabulary_repair=2))
    first = srv.requests[0]
    assert first["stop"] == ["\n2."] and len(srv.requests) == 2
    smp = tr.samples[0]
    assert smp.fol == ("∀x (Squirrel(x) → Hunts(rex, x))", "Squirrel(sam)", "Hunts(rex, sam)")
    assert smp.sources == ("model", "symbolic", "model") and tr.predicted is Outcome.TRUE
