"""Problems as self-contained Lean 4 files (core Lean only: no Mathlib, no imports).

Encoding. A problem premises ⊢ conclusion over one first-order signature becomes::

    -- nsp Lean 4 export (Lean 4 core only; no Mathlib) ...
    -- renamed symbols (original ↦ Lean):
    --   "Risk-averse" ↦ Risk_averse
    set_option autoImplicit false

    namespace NSP

    axiom U : Type                                  -- the opaque, non-empty domain
    axiom rex : U                                   -- one axiom per constant (U),
    axiom father : U → U                            --   function (U → ... → U)
    axiom Dog : U → Prop                            --   and predicate (U → ... → Prop)
    noncomputable instance nsp_inhabited : Inhabited U := ⟨rex⟩  -- non-empty domain

    theorem nsp_goal
        (h1 : ∀ x : U, Dog x → Animal x)            -- one hypothesis per premise
        (h2 : Dog rex) :
        Animal rex := by                            -- the conclusion (or ¬conclusion)
      sorry                                         -- or the supplied tactic proof

    end NSP

Everything lives in ``namespace NSP``, so a symbol may share a name with a core declaration
(``Nat``, ``id``): inside the namespace ``NSP.Nat`` wins. Names Lean cannot read, keywords, names
the file itself uses (``U``, ``True``, ``absurd``...) and names the sandbox screen rejects
(``IO``, ``unsafe_x``) are renamed injectively and deterministically (``Risk-averse`` →
``Risk_averse``, ``c++`` → ``c_plus_plus``, ``2021`` → ``n2021``, ``theorem`` → ``theorem_``,
``λ`` → ``lam``); the mapping is returned and written in the header. Bound variables are renamed
apart from every symbol, so printing can never capture. ⊕ is written ``¬(A ↔ B)``.
The generator is total over the IR: free variables are closed with ∀ and a symbol used with two
arities is split (both noted in ``notes``).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Iterable, Mapping, Sequence

from nsp.errors import BadInput
from nsp.logic.analysis import (
    SignatureError, Symbol, all_names, close_universally, free_vars, rename_bound, separate_clashes,
    signature,
)
from nsp.logic.ir import App, Atom, Bottom, Const, Node, Not
from nsp.logic.syntax.lean import LEAN_KEYWORDS, is_id_first, is_plain_ident, is_subscript_alnum, write_lean
from nsp.logic.walk import postorder, rebuild_if_changed, transform
from provers.lean.sandbox import identifier_violation

DOMAIN = "U"
NAMESPACE = "NSP"
THEOREM = "nsp_goal"
WITNESS = "nsp_witness"
INSTANCE = "nsp_inhabited"

# Names the generated files and proofs use unqualified: no symbol may be declared with them.
RESERVED = frozenset({
    DOMAIN, NAMESPACE, THEOREM, WITNESS, INSTANCE, "Inhabited", "Nonempty", "default", "Prop", "Type",
    "Sort", "True", "False", "Not", "And", "Or", "Iff", "Eq", "Exists", "Classical", "absurd",
    "trivial", "rfl", "id", "propext", "Quot", "sorryAx", "autoImplicit", "set_option",
})

_SPELLED = {"+": "plus", "&": "and", "*": "star", "@": "at", "#": "hash", "%": "percent", "$": "dollar",
            "λ": "lam", "Π": "Pi", "Σ": "Sigma", "=": "eq", "<": "lt", ">": "gt", "~": "tilde"}


class ExportError(BadInput):
    """The input cannot be exported (e.g. no conclusion to prove)."""


def _safe_char(c: str) -> bool:
    return is_id_first(c) or ("0" <= c <= "9") or c == "'" or is_subscript_alnum(c)


def is_safe_name(name: str) -> bool:
    """A name the exporter writes unchanged: a plain Lean identifier in the subset every Lean 4
    version reads (no leading ``_``, no ``!``/``?``), not reserved, not rejected by the screen."""
    return (
        is_plain_ident(name)
        and not name.startswith("_")
        and all(_safe_char(c) for c in name)
        and name not in RESERVED
        and identifier_violation(name) is None
    )


def sanitize(name: str) -> str:
    """A safe spelling of ``name`` (not yet made unique): see the module docstring."""
    text = unicodedata.normalize("NFKD", name)
    out = []
    for c in text:
        if unicodedata.combining(c):
            continue
        if _safe_char(c) and c != "_":
            out.append(c)
        elif c in _SPELLED:
            out.append(f"_{_SPELLED[c]}_")
        elif c.isascii() or c.isspace():
            out.append("_")
        else:
            out.append(f"_u{ord(c):04x}_")
    s = re.sub(r"_+", "_", "".join(out)).strip("_")
    if not s:
        s = "x"
    if not is_id_first(s[0]) or is_subscript_alnum(s[0]):
        s = ("n" if s[0].isdigit() else "x") + s
    for bad in ("unsafe", "implemented_by", "native_decide", "skipKernelTC", "ofReduce"):
        s = s.replace(bad, f"{bad[0]}_{bad[1:]}")
    if s in LEAN_KEYWORDS or s in RESERVED or identifier_violation(s):
        s += "_"
    return s


def _fresh(base: str, taken: set[str]) -> str:
    if base not in taken and is_safe_name(base):
        return base
    i = 1
    while f"{base}_{i}" in taken or not is_safe_name(f"{base}_{i}"):
        i += 1
    return f"{base}_{i}"


def unique_names(names: Iterable[str], taken: Iterable[str] = ()) -> dict[str, str]:
    """Injective map name -> safe Lean name; safe names keep themselves, the rest are sanitised
    and made fresh against ``taken`` and each other (in sorted order, so deterministic)."""
    names = sorted(set(names))
    out = {n: n for n in names if is_safe_name(n) and n not in set(taken)}
    used = set(taken) | set(out.values())
    for n in names:
        if n not in out:
            out[n] = _fresh(sanitize(n), used)
            used.add(out[n])
    return out


@dataclass(frozen=True)
class LeanSignature:
    """The Lean names of one signature; turns IR over it into IR over Lean-safe names."""

    symbols: tuple[Symbol, ...]  # original symbols, first-use order
    names: Mapping[str, str]  # original symbol name -> Lean name

    @property
    def lean_names(self) -> frozenset[str]:
        return frozenset(self.names.values())

    @property
    def renamed(self) -> dict[str, str]:
        return {k: v for k, v in self.names.items() if k != v}

    def to_lean_ir(self, node: Node, reserved: Iterable[str] = ()) -> Node:
        """``node`` with symbols renamed to their Lean names and bound variables renamed to safe
        names distinct from every symbol and from ``reserved``. Free variables are kept."""
        names = self.names

        def step(n: Node, cs: tuple) -> Node:
            k = n.kind
            if k == "const":
                new = names.get(n.payload, n.payload)
                return n if new == n.payload else Const(new)
            if k in ("app", "atom"):
                new = names.get(n.payload, n.payload)
                if new != n.payload:
                    return (App if k == "app" else Atom)(new, cs)
            return rebuild_if_changed(n, cs)

        node = transform(node, step)
        bound = {v for n in postorder(node) if n.kind in ("forall", "exists") for v in n.payload}
        if not bound:
            return node
        taken = set(self.names.values()) | set(reserved) | RESERVED | set(free_vars(node))
        keep = {v for v in bound if is_safe_name(v) and v not in taken}
        mapping = unique_names(bound - keep, taken | set(all_names(node)))
        return rename_bound(node, mapping) if mapping else node

    def render(self, node: Node, reserved: Iterable[str] = ()) -> str:
        """``node`` (over the original names) as a Lean proposition over the Lean names."""
        return write_lean(self.to_lean_ir(node, reserved), DOMAIN)

    def declarations(self) -> list[str]:
        """``axiom`` lines: the domain, constants, functions, predicates, then the instance."""
        lines = [f"axiom {DOMAIN} : Type"]
        consts = [s for s in self.symbols if s.kind == "constant"]
        for s in consts:
            lines.append(f"axiom {self.names[s.name]} : {DOMAIN}")
        for s in self.symbols:
            if s.kind == "function":
                lines.append(f"axiom {self.names[s.name]} : " + " → ".join([DOMAIN] * (s.arity + 1)))
        for s in self.symbols:
            if s.kind == "predicate":
                lines.append(f"axiom {self.names[s.name]} : " + " → ".join([DOMAIN] * s.arity + ["Prop"]))
        if consts:
            witness = self.names[consts[0].name]
        else:
            witness = WITNESS
            lines.append(f"axiom {WITNESS} : {DOMAIN}  -- first-order domains are non-empty")
        # noncomputable: the instance's value is an axiom, which has no code to compile
        lines.append(f"noncomputable instance {INSTANCE} : Inhabited {DOMAIN} := ⟨{witness}⟩")
        return lines

    def axiom_names(self) -> tuple[str, ...]:
        """Fully qualified names of every axiom the declarations introduce."""
        names = [DOMAIN] + [self.names[s.name] for s in self.symbols]
        if not any(s.kind == "constant" for s in self.symbols):
            names.append(WITNESS)
        return tuple(f"{NAMESPACE}.{n}" for n in names)


def lean_signature(formulas: Sequence[Node], reserved: Iterable[str] = ()) -> LeanSignature:
    """The Lean names for the symbols of ``formulas`` (which must share one signature)."""
    sig = signature(formulas)
    names = unique_names(sig, set(reserved) | RESERVED)
    return LeanSignature(tuple(sig.values()), names)


def normalise_formulas(formulas: Sequence[Node], labels: Sequence[str] = ()) -> tuple[list[Node], list[str]]:
    """Close free variables with ∀ and split symbols used with two arities; with notes."""
    notes = []
    closed = []
    for i, f in enumerate(formulas):
        fv = free_vars(f)
        if fv:
            label = labels[i] if i < len(labels) else f"formula {i + 1}"
            notes.append(f"{label}: closed free variable(s) {', '.join(sorted(fv))} with ∀")
            f = close_universally(f)
        closed.append(f)
    try:
        signature(closed)
    except SignatureError:
        closed, clash_notes = separate_clashes(closed)
        notes.extend(clash_notes)
    return closed, notes


@dataclass(frozen=True)
class LeanExport:
    """A problem as Lean 4 text, with the pieces and names needed to check or extend it.

    ``text`` is the whole file. :attr:`declarations` and :meth:`theorem_command` are the same
    file as two self-contained commands (for the REPL: elaborate the declarations once, then try
    many proofs). ``symbols``: every original symbol name -> its Lean name. ``theorem`` is the
    fully qualified name of the goal theorem; ``axioms`` the fully qualified axioms it declares.
    """

    text: str
    decls: str  # the declaration lines (inside the namespace)
    statement: str  # "theorem nsp_goal (h1 : ...) : goal" without ":= ..."
    proof: str  # the tactic block after "by" ("sorry" when none was supplied)
    symbols: Mapping[str, str]
    hypotheses: tuple[tuple[str, str], ...]  # (hypothesis name, Lean proposition)
    goal: str
    negated: bool
    theorem: str
    axioms: tuple[str, ...]
    notes: tuple[str, ...] = ()
    header: str = field(default="", repr=False)

    @property
    def renamed(self) -> dict[str, str]:
        """The symbols whose Lean name differs from the original."""
        return {k: v for k, v in self.symbols.items() if k != v}

    @property
    def has_sorry(self) -> bool:
        return re.search(r"(?<![\w.'])sorry(?![\w'])", self.proof) is not None

    @property
    def declarations(self) -> str:
        """The declarations as one self-contained command."""
        return f"set_option autoImplicit false\n\nnamespace {NAMESPACE}\n\n{self.decls}\n\nend {NAMESPACE}\n"

    def theorem_command(self, proof: str | None = None) -> str:
        """The theorem with ``proof`` (default: this export's), as one self-contained command
        to run after :attr:`declarations`."""
        body = _theorem_text(self.statement, self.proof if proof is None else proof)
        return f"set_option autoImplicit false\n\nnamespace {NAMESPACE}\n\n{body}\n\nend {NAMESPACE}\n"

    def with_proof(self, proof: str) -> "LeanExport":
        """The same export with a different tactic proof (the text after ``by``)."""
        text = _file_text(self.header, self.decls, self.statement, proof)
        return replace(self, text=text, proof=_dedent_proof(proof))


def _dedent_proof(proof: str) -> str:
    lines = proof.strip("\n").splitlines() or ["sorry"]
    indent = min((len(l) - len(l.lstrip()) for l in lines if l.strip()), default=0)
    return "\n".join(l[indent:] for l in lines).strip() or "sorry"


def _theorem_text(statement: str, proof: str) -> str:
    proof = _dedent_proof(proof)
    body = "\n".join(("  " + l) if l.strip() else "" for l in proof.splitlines())
    return f"{statement} := by\n{body}"


def _file_text(header: str, decls: str, statement: str, proof: str) -> str:
    return (
        f"{header}set_option autoImplicit false\n\nnamespace {NAMESPACE}\n\n{decls}\n\n"
        f"{_theorem_text(statement, proof)}\n\nend {NAMESPACE}\n"
    )


def _comment(text: str) -> str:
    """One safe line-comment payload (JSON-escaped, so no newline can end the comment)."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


def hypothesis_names(n: int, taken: Iterable[str]) -> list[str]:
    taken = set(taken)
    out = []
    for i in range(1, n + 1):
        name = _fresh(f"h{i}", taken)
        taken.add(name)
        out.append(name)
    return out


def export_formulas(
    premises: Sequence[Node],
    conclusion: Node,
    *,
    negate: bool = False,
    proof: str | None = None,
    problem_id: str | None = None,
    premise_labels: Sequence[str] | None = None,
    extra: Sequence[Node] = (),
) -> LeanExport:
    """Export premises ⊢ conclusion (or ⊢ ¬conclusion when ``negate``).

    ``proof``: a tactic block (the text after ``by``); default ``sorry``. ``extra``: further
    formulas whose symbols must be declared too (e.g. intermediate proof steps).
    """
    n = len(premises)
    labels = [f"premise {i + 1}" for i in range(n)] + ["the conclusion"]
    formulas, notes = normalise_formulas([*premises, conclusion, *extra], labels)
    premises, conclusion = formulas[:n], formulas[n]
    lsig = lean_signature(formulas)
    hyp_names = hypothesis_names(n, lsig.lean_names | RESERVED)
    reserved = set(hyp_names)
    goal_node = Not(conclusion) if negate else conclusion
    hyps = tuple((h, lsig.render(p, reserved)) for h, p in zip(hyp_names, premises))
    goal = lsig.render(goal_node, reserved)
    statement = _statement(hyps, goal)
    header = _header(lsig, notes, problem_id, negate, premise_labels, hyp_names)
    decls = "\n".join(lsig.declarations())
    proof_text = "sorry" if proof is None else proof
    return LeanExport(
        text=_file_text(header, decls, statement, proof_text),
        decls=decls,
        statement=statement,
        proof=_dedent_proof(proof_text),
        symbols=dict(lsig.names),
        hypotheses=hyps,
        goal=goal,
        negated=negate,
        theorem=f"{NAMESPACE}.{THEOREM}",
        axioms=lsig.axiom_names(),
        notes=tuple(notes),
        header=header,
    )


def _statement(hyps: Sequence[tuple[str, str]], goal: str) -> str:
    if not hyps:
        return f"theorem {THEOREM} :\n    {goal}"
    lines = [f"theorem {THEOREM}"]
    lines += [f"    ({h} : {p})" for h, p in hyps]
    lines[-1] += " :"
    lines.append(f"    {goal}")
    return "\n".join(lines)


def _header(lsig: LeanSignature, notes, problem_id, negate, labels, hyp_names) -> str:
    lines = ["-- nsp Lean 4 export (Lean 4 core only; no Mathlib). Check: nsp lean check FILE.lean"]
    if problem_id is not None:
        lines.append(f"-- problem: {_comment(str(problem_id))}")
    lines.append("-- goal: " + ("the negation of the conclusion" if negate else "the conclusion"))
    if labels and list(labels) != [f"p{i + 1}" for i in range(len(labels))]:
        pairs = ", ".join(f"{h} = {_comment(str(l))}" for h, l in zip(hyp_names, labels))
        if pairs:
            lines.append(f"-- hypotheses: {pairs}")
    renamed = lsig.renamed
    if renamed:
        lines.append("-- renamed symbols (original ↦ Lean):")
        lines += [f"--   \"{_comment(k)}\" ↦ {v}" for k, v in sorted(renamed.items(), key=lambda kv: kv[1])]
    lines += [f"-- note: {_comment(n)}" for n in notes]
    return "\n".join(lines) + "\n"


def export_problem(problem, *, negate: bool = False, proof: str | None = None) -> LeanExport:
    """Export a :class:`nsp.logic.problem.Problem`; raises ExportError when it has no conclusion."""
    if problem.conclusion is None:
        raise ExportError("the problem has no conclusion to prove (add a line '---' and a conclusion)")
    return export_formulas(
        problem.premises, problem.conclusion, negate=negate, proof=proof, problem_id=problem.id,
        premise_labels=problem.premise_names,
    )


def export_verdict(problem, verdict) -> LeanExport:
    """The theorem a verdict claims: True → the conclusion, False → its negation,
    Inconsistent → ``False`` from the premises. Uncertain/Unknown claim no theorem."""
    outcome = getattr(verdict, "outcome", verdict)
    value = getattr(outcome, "value", str(outcome))
    if value == "True":
        return export_problem(problem)
    if value == "False":
        return export_problem(problem, negate=True)
    if value == "Inconsistent":
        if problem.conclusion is None:
            return export_formulas(problem.premises, Bottom(), problem_id=problem.id,
                                   premise_labels=problem.premise_names)
        return export_formulas(problem.premises, Bottom(), problem_id=problem.id,
                               premise_labels=problem.premise_names, extra=[problem.conclusion])
    raise ExportError(f"verdict {value} claims no theorem to export (only True, False, Inconsistent do)")
