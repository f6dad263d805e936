"""Theory exploration: numerals, conjectures, the induction rule and its obligations, the run.

Real axioms (data/axioms/peano.fol), real Z3. The induction obligations are checked here with
Z3 directly, and the graph's induction nodes with :func:`synth.induction.check_node` (the check
``nsp graph verify`` needs for rule "induction"; every other node goes through the checker).
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest

from nsp.graph.provenance import read_graphs, to_json
from nsp.graph.verify import Checker, prover
from nsp.logic.syntax import parse
from nsp.logic.walk import postorder, size
from provers.outcome import Outcome
from provers.z3_bridge import decide
from synth.conjecture import Enumerator, equation_key
from synth.explore import ExploreError, ExploreParams, Explorer, read_axioms
from synth.induction import check_induction, check_node, obligations, split_prefix
from synth.numerals import Evaluator, NotRecursive, read_signature

ROOT = Path(__file__).resolve().parent.parent
PEANO = ROOT / "data" / "axioms" / "peano.fol"


def F(text: str):
    return parse(text, "folio", strict=True).formula


@pytest.fixture(scope="module")
def axioms():
    return read_axioms(PEANO)


@pytest.fixture(scope="module")
def small_run(axioms):
    return Explorer(axioms, ExploreParams(max_size=4, variables=2)).run()


def either_orientation(graph, text: str) -> str | None:
    """The theorem node stating the law, up to renaming variables and swapping sides."""
    want = equation_key(F(text))
    for n, d in graph.nodes(data=True):
        if d["role"] == "theorem" and equation_key(F(d["formula"])) == want:
            return n
    return None


# ---------------------------------------------------------------- numerals


def test_the_axioms_compute_on_numerals(axioms):
    sig = read_signature(axioms)
    assert (sig.zero, sig.succ, sig.functions) == ("zero", "s", {"add": 2, "mul": 2})
    ev = Evaluator(sig)
    for a, b in itertools.product(range(7), repeat=2):
        assert ev.call("add", (a, b)) == a + b and ev.call("mul", (a, b)) == a * b
    assert ev.call("add", (0, 20_000)) == 20_000  # deep recursion, no Python recursion


def test_undefined_and_non_recursive_definitions():
    sig = read_signature([F("∀x (f(x) = f(x))"), F("∀x (g(x, zero) = x)"), F("∀x ∀y (g(x, s(y)) = s(g(x, y)))")])
    ev = Evaluator(sig)
    assert ev.call("f", (3,)) is None  # does not terminate
    assert ev.call("g", (2, 3)) == 5
    with pytest.raises(NotRecursive):
        read_signature([F("∀x (add(x, zero) = x)"), F("one = s(zero)"), F("two = s(one)")])


# ---------------------------------------------------------------- conjectures


def _value(ev, term, env):
    memo = {}
    for n in postorder(term):
        if n.kind == "var":
            memo[id(n)] = env[n.payload]
        elif n.kind == "const":
            memo[id(n)] = 0
        else:
            memo[id(n)] = ev.apply(n.payload, tuple(memo[id(c)] for c in n.children))
    return memo[id(term)]


def test_candidates_hold_on_small_numerals_and_are_distinct(axioms):
    sig = read_signature(axioms)
    ev = Evaluator(sig)
    cands = Enumerator(sig, ev, variables=2, max_value=4).run(5)
    texts = [c.text for c in cands]
    assert "∀x ∀y add(x, y) = add(y, x)" in texts and "∀x ∀y mul(x, y) = mul(y, x)" in texts
    assert not any(t in texts for t in ("∀x ∀y add(x, y) = mul(x, y)", "∀x add(x, x) = x"))
    assert len({c.key for c in cands}) == len(cands)
    for c in cands:
        names, body = split_prefix(c.formula)
        for vals in itertools.product(range(6), repeat=len(names)):  # beyond the tested 0..4
            env = dict(zip(names, vals))
            assert _value(ev, body.children[0], env) == _value(ev, body.children[1], env), c.text
    sizes = [max(size(c.left), size(c.right)) for c in cands]
    assert sizes == sorted(sizes)


# ---------------------------------------------------------------- induction


def test_induction_obligations_for_commutativity_are_proved_by_z3(axioms):
    comm = F("∀x ∀y (add(x, y) = add(y, x))")
    base, step = obligations(comm, "y", "zero", "s")
    assert str(base) == "∀x add(x, zero) = add(zero, x)"
    assert str(step) == "∀y ((∀x add(x, y) = add(y, x)) → (∀x add(x, s(y)) = add(s(y), x)))"
    eq_axioms = [a for a in axioms if split_prefix(a)[1].kind == "eq"]
    lemmas = [F("∀x (add(zero, x) = x)"), F("∀x ∀y (add(s(x), y) = s(add(x, y)))")]
    assert decide(eq_axioms + lemmas, base, timeout=30, explain=False).outcome is Outcome.TRUE
    assert decide(eq_axioms + lemmas, step, timeout=30, explain=False).outcome is Outcome.TRUE
    # the lemmas are what makes the base provable: without them Z3 cannot do it
    assert decide(eq_axioms, base, timeout=5, explain=False).outcome is not Outcome.TRUE


def test_induction_check_accepts_exactly_the_obligations():
    thm = F("∀x ∀y ∀z (add(add(x, y), z) = add(x, add(y, z)))")
    base, step = obligations(thm, "z", "zero", "s")
    assert check_induction(thm, base, step, "z", "zero", "s") is None
    renamed = F("∀a ∀b (add(add(a, b), zero) = add(a, add(b, zero)))")
    assert check_induction(thm, renamed, step, "z", "zero", "s") is None  # alpha-equivalent base
    assert check_induction(thm, step, base, "z", "zero", "s") is not None  # swapped
    other_base, other_step = obligations(thm, "x", "zero", "s")
    assert check_induction(thm, other_base, step, "z", "zero", "s") is not None
    assert check_induction(thm, base, other_step, "z", "zero", "s") is not None
    assert check_induction(thm, base, step, "w", "zero", "s") is not None  # not a bound variable
    weaker = F("∀y ((add(add(zero, y), y) = add(zero, add(y, y))) → (add(add(zero, y), s(y)) = add(zero, add(y, s(y)))))")
    assert check_induction(thm, base, weaker, "z", "zero", "s") is not None


# ---------------------------------------------------------------- the run


def test_small_exploration_proves_commutativity_by_induction(small_run):
    g = small_run.graph
    comm = either_orientation(g, "∀x ∀y (add(x, y) = add(y, x))")
    assert comm is not None and g.nodes[comm]["rule"] == "induction"
    assert either_orientation(g, "∀x (add(zero, x) = x)") is not None
    assert small_run.proved == len(small_run.theorems) and small_run.by_induction >= 3
    assert set(small_run.kept) <= set(small_run.theorems) and small_run.kept
    assert comm in small_run.kept


def test_every_step_of_the_exploration_graph_checks(small_run):
    g = small_run.graph
    induction = [n for n, d in g.nodes(data=True) if d.get("rule") == "induction"]
    assert induction
    for n in induction:
        assert check_node(g, n) is None, g.nodes[n]["formula"]
        # base and step are facts with their own Z3-checked derivations
        for s in g.predecessors(n):
            assert g.nodes[s]["rule"] in ("entailment", "law", "induction", "given")
    checker = Checker(prover("z3"), 20.0)
    checker.check(to_json(g))
    other = [f for f in checker.report.failures if f.rule != "induction"]
    assert not other, other[:3]
    assert checker.report.ok["entailment"] > 0


def test_sources_never_cite_non_equational_axioms(small_run):
    g = small_run.graph
    cited = [d["formula"] for n, d in g.nodes(data=True)
             if d["role"] == "axiom" and split_prefix(F(d["formula"]))[1].kind != "eq" and g.out_degree(n)]
    assert not cited  # s injective, zero no successor: no finite model, so never a source
    assert sum(1 for _, d in g.nodes(data=True) if d["role"] == "axiom") == 6


def test_compression_keeps_a_basis(small_run):
    g = small_run.graph
    kept = set(small_run.kept)
    for fid in small_run.theorems:
        assert g.nodes[fid]["kept"] == (fid in kept)
    # a theorem proved directly is dropped: its own sources (axioms, kept or dropped lemmas)
    # show it follows from the others
    direct = [fid for fid in small_run.theorems if g.nodes[fid]["method"] == "direct"]
    assert direct and not kept & set(direct)


def test_explore_is_deterministic(axioms, small_run):
    again = Explorer(axioms, ExploreParams(max_size=4, variables=2)).run()
    assert again.theorems == small_run.theorems and again.kept == small_run.kept
    assert to_json(again.graph)["nodes"] == to_json(small_run.graph)["nodes"]


def test_cli_writes_the_graph(tmp_path):
    ax = tmp_path / "add.fol"
    ax.write_text("# addition only\n∀x (add(x, zero) = x)\n∀x ∀y (add(x, s(y)) = s(add(x, y)))\n", encoding="utf-8")
    out = tmp_path / "g.json"
    r = subprocess.run([sys.executable, "-m", "nsp.cli", "synth", "explore", str(ax), "-o", str(out),
                        "--max-size", "4", "--variables", "2", "--no-progress"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert "by induction" in r.stderr
    (g,) = list(read_graphs(out))
    assert either_orientation(g, "∀x ∀y (add(x, y) = add(y, x))") in g.graph["kept"]
    bad = tmp_path / "bad.fol"
    bad.write_text("∀x (P(x) → Q(x))\n", encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "nsp.cli", "synth", "explore", str(bad), "-o", str(out)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "constructors" in r.stderr


def test_bad_axiom_file(tmp_path):
    bad = tmp_path / "x.fol"
    bad.write_text("∀x (add(x, zero) = \n", encoding="utf-8")
    with pytest.raises(ExploreError, match="x.fol:1"):
        read_axioms(bad)


def test_axioms_whose_arities_clash_are_bad_input(tmp_path):
    bad = tmp_path / "clash.fol"
    bad.write_text("∀x (add(x, zero) = x)\n# a comment\n∀x (add(x) = x)\n", encoding="utf-8")
    with pytest.raises(ExploreError, match=rf"symbol 'add' is used as function/2 in {bad}:1 and as function/1 in {bad}:3"):
        read_axioms(bad)
    r = subprocess.run([sys.executable, "-m", "nsp.cli", "synth", "explore", str(bad), "-o", str(tmp_path / "e.json")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "symbol 'add'" in r.stderr, r.stderr


@pytest.mark.slow
def test_peano_exploration_proves_the_classic_laws(axioms):
    """The full run (minutes): commutativity and associativity of + and ×, both distributivity
    laws, every step checked."""
    r = Explorer(axioms, ExploreParams(max_size=7, variables=3, workers=2)).run()
    g = r.graph
    for law in ("∀x ∀y (add(x, y) = add(y, x))", "∀x ∀y ∀z (add(add(x, y), z) = add(x, add(y, z)))",
                "∀x ∀y (mul(x, y) = mul(y, x))", "∀x ∀y ∀z (mul(mul(x, y), z) = mul(x, mul(y, z)))",
                "∀x ∀y ∀z (mul(x, add(y, z)) = add(mul(x, y), mul(x, z)))",
                "∀x ∀y ∀z (mul(add(x, y), z) = add(mul(x, z), mul(y, z)))"):
        assert either_orientation(g, law) is not None, law
    for n, d in g.nodes(data=True):
        if d.get("rule") == "induction":
            assert check_node(g, n) is None
    checker = Checker(prover("z3"), 20.0)
    checker.check(json.loads(json.dumps(to_json(g))))
    assert not [f for f in checker.report.failures if f.rule != "induction"]
