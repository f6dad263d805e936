"""Sample provenance graphs for tests, benchmarks and demos, built with :mod:`nsp.graph.provenance`.

- :func:`syllogism_graph`: a three-step proof with sentences (premises -> lemma -> theorem, and a
  rewrite mutant using a law), the shape ``nsp synth mutate`` records;
- :func:`hostile_graph`: text fields holding markup and quotes, to check pages escape them;
- :func:`hostile_mutant_graph`: a mutant whose law, labels and formulas hold markup (the index's
  change column);
- :func:`long_formula_graph`: facts whose formulas and sentences need several lines in a box;
- :func:`layered_graph`: a seeded random DAG of any size (``n`` facts in layers of ``width``);
- :func:`batch_records`: JSONL records (``id``, ``dataset``, ``verdict``, ``graph``) cycling over
  a few hundred distinct small graphs, for batches of any length.

Everything is deterministic in its arguments.
"""

from __future__ import annotations

import json
import random
from typing import Iterator

import networkx as nx

from nsp.graph.provenance import add_derivation, add_fact, new_graph, to_json
from nsp.logic.ir import And, Atom, Const, Forall, Iff, Implies, Not, Or, Var

X = Var("x")


def _p(name: str, *args: str):
    return Atom(name, tuple(Const(a) for a in args) or (X,))


def syllogism_graph() -> nx.DiGraph:
    g = new_graph(problem="socrates", outcome="True", prover="z3", dataset="demo")
    p1 = add_fact(g, Forall(("x",), Implies(_p("Human"), _p("Mortal"))), "premise", label="p1",
                  text="All humans are mortal.")
    p2 = add_fact(g, _p("Human", "socrates"), "premise", label="p2", text="Socrates is a human.")
    p3 = add_fact(g, Forall(("x",), Implies(_p("Mortal"), Not(_p("God")))), "premise", label="p3",
                  text="No mortal is a god.")
    p4 = add_fact(g, _p("Greek", "socrates"), "premise", label="p4", text="Socrates is Greek.")
    lemma = add_fact(g, _p("Mortal", "socrates"), "derived", rule="entailment", checked_by="z3",
                     label="lemma", text="Socrates is mortal.")
    add_derivation(g, [p1, p2], lemma, "entailment")
    thm = add_fact(g, And(Not(_p("God", "socrates")), _p("Greek", "socrates")), "theorem", rule="entailment",
                   checked_by="z3+eprover", label="theorem", text="Socrates is a Greek who is not a god.")
    add_derivation(g, [lemma, p3, p4], thm, "entailment")
    law = add_fact(g, Iff(And(Not(_p("God", "socrates")), _p("Greek", "socrates")),
                          And(_p("Greek", "socrates"), Not(_p("God", "socrates")))),
                   "axiom", rule="law", checked_by="z3", law="commutativity")
    mutant = add_fact(g, And(_p("Greek", "socrates"), Not(_p("God", "socrates"))), "mutant", rule="rewrite",
                      checked_by="z3", label="mutant", kind="rewrite", law="commutativity")
    add_derivation(g, [thm, law], mutant, "rewrite", kinds={thm: "parent", law: "lemma"})
    return g


SCRIPT = "<script>alert(1)</script>"
ATTR_BREAK = "\" onmouseover=\"alert(2)\" x='"
IMG = "<img src=x onerror=alert(3)>"


def hostile_graph() -> nx.DiGraph:
    """Markup in every text field a page shows: sentences, labels, rules, checkers, attributes."""
    g = new_graph(problem=f"hostile {SCRIPT}", outcome=f"True{IMG}", note=ATTR_BREAK, dataset=f"ds{SCRIPT}")
    evil = add_fact(g, _p("Evil", "x"), "premise", label=IMG, text=SCRIPT + ATTR_BREAK)
    other = add_fact(g, _p("Good", "y"), "premise", label=f"p2{ATTR_BREAK}", text="A plain sentence.")
    thm = add_fact(g, And(_p("Evil", "x"), _p("Good", "y")), "theorem", rule=f"entailment</text>{SCRIPT}",
                   checked_by=f"<b>z3</b>{ATTR_BREAK}", label="conclusion", comment=f"</script>{SCRIPT}")
    add_derivation(g, [evil, other], thm, f"entailment</text>{SCRIPT}", kinds={evil: f"lemma{IMG}"})
    return g


def hostile_mutant_graph() -> nx.DiGraph:
    """A mutant (``parent`` and ``lemma`` sources, as ``nsp synth mutate`` draws them) whose law,
    labels and formula texts hold markup and quotes."""
    g = new_graph(problem=f"hostile mutant {SCRIPT}")
    parent = add_fact(g, _p("Evil", "x"), "premise", label=f"p1{IMG}")
    lemma = add_fact(g, _p("Lemma", "x"), "premise", label=f"p2{ATTR_BREAK}")
    mutant = add_fact(g, _p("Evil2", "x"), "mutant", rule="strengthen", checked_by="z3", law=SCRIPT)
    add_derivation(g, [parent, lemma], mutant, "strengthen", kinds={parent: "parent", lemma: "lemma"})
    thm = add_fact(g, _p("Goal", "x"), "theorem", rule="entailment", checked_by="z3", label="goal")
    add_derivation(g, [mutant], thm, "entailment")
    g.nodes[parent]["formula"] = f"Good(x) ∧ {SCRIPT}{ATTR_BREAK}"
    g.nodes[mutant]["formula"] = f"Good(x) ∧ {IMG}{ATTR_BREAK}"
    return g


LONG_FORMULA = ("∀x ((Student(x) ∧ RegularlyDrinks(x, coffee) ∧ ¬UnawareThatCaffeineIsADrug(x)) → "
                "(DependentOn(x, caffeine) ∨ JokesAboutBeingAddictedTo(x, caffeine) ∨ "
                "Takes(x, aVeryLongCourseNameWithoutAnySpacesInItAtAll)))")


def long_formula_graph() -> nx.DiGraph:
    """A premise whose formula and sentence need several lines each (the formula has a word
    longer than a line), a short premise beside it, and a theorem from both."""
    g = new_graph(problem="long formulas", outcome="True", dataset="demo")
    long = add_fact(g, _p("Long", "x"), "premise", label="p1",
                    text="Every student who regularly drinks coffee and knows that caffeine is a drug "
                         "depends on caffeine or jokes about being addicted to it.")
    g.nodes[long]["formula"] = LONG_FORMULA
    short = add_fact(g, _p("Student", "rina"), "premise", label="p2")
    thm = add_fact(g, _p("DependentOn", "rina", "caffeine"), "theorem", rule="entailment", checked_by="z3",
                   label="theorem")
    add_derivation(g, [long, short], thm, "entailment")
    return g


def layered_graph(n: int, width: int = 40, fan_in: int = 2, seed: int = 0, long_edges: float = 0.1) -> nx.DiGraph:
    """``n`` facts in layers of ``width``: layer 0 premises, every later fact derived from
    ``fan_in`` facts, mostly of the layer above (a ``long_edges`` share from any earlier layer);
    the last fact is the theorem."""
    rnd = random.Random(seed)
    g = new_graph(problem=f"layered-{n}-{seed}", outcome="True", dataset="synthetic")
    layers: list[list[str]] = []
    made = 0
    while made < n:
        layer = []
        for _ in range(min(width, n - made)):
            i = made
            made += 1
            f = _p(f"F{i}", f"c{i % 7}")
            if not layers:
                layer.append(add_fact(g, f, "premise", label=f"p{i + 1}"))
                continue
            srcs = set()
            for _ in range(fan_in):
                k = len(layers) - 1 if rnd.random() >= long_edges else rnd.randrange(len(layers))
                srcs.add(rnd.choice(layers[k]))
            role = "theorem" if made == n else "derived"
            node = add_fact(g, f, role, rule="entailment", checked_by="z3", label=f"s{i + 1}")
            add_derivation(g, sorted(srcs), node, "entailment")
            layer.append(node)
        layers.append(layer)
    return g


def _small_graph(rnd: random.Random, i: int) -> nx.DiGraph:
    names = ["Dog", "Cat", "Animal", "Mammal", "Pet", "Wild", "Bird", "Fish"]
    consts = ["rex", "tom", "felix", "nemo", "tweety"]
    g = new_graph(problem=f"gen-{i}")
    premises = []
    for j in range(rnd.randint(2, 5)):
        a, b = rnd.sample(names, 2)
        f = Forall(("x",), Implies(_p(a), _p(b))) if j % 2 == 0 else Or(_p(a, rnd.choice(consts)), _p(b, "rex"))
        premises.append(add_fact(g, f, "premise", label=f"p{j + 1}", text=f"Every {a.lower()} is a {b.lower()}."))
    thm = add_fact(g, _p(rnd.choice(names), rnd.choice(consts)), "theorem", rule="entailment", checked_by="z3",
                   label="conclusion")
    add_derivation(g, premises, thm, "entailment")
    if rnd.random() < 0.5:
        law = add_fact(g, Iff(Not(Not(_p("Q", "q"))), _p("Q", "q")), "axiom", rule="law", checked_by="z3",
                       law="double_negation")
        mut = add_fact(g, And(_p(rnd.choice(names), "tom"), _p("Q", "q")), "mutant", rule="rewrite", checked_by="z3")
        add_derivation(g, [thm, law], mut, "rewrite", kinds={thm: "parent", law: "lemma"})
    return g


def batch_records(count: int, distinct: int = 300, seed: int = 0) -> Iterator[str]:
    """``count`` JSONL lines (with newline) of records carrying a graph."""
    rnd = random.Random(seed)
    graphs = [json.dumps(to_json(_small_graph(rnd, i)), ensure_ascii=False, sort_keys=True) for i in range(distinct)]
    datasets = ["folio", "prontoqa", "proofwriter"]
    verdicts = ["True", "True", "True", "False", "Uncertain"]
    for i in range(count):
        head = json.dumps({"id": f"item-{i:06d}", "dataset": datasets[i % 3], "verdict": verdicts[i % 5]})
        yield head[:-1] + ', "graph": ' + graphs[i % distinct] + "}\n"
