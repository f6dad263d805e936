"""The prover interface: one protocol every back end implements, a registry by name, one
exception root.

A back end (Z3, E, ...) answers four questions about formulas of the IR:

- ``decide(premises, conclusion)``: a :class:`~provers.outcome.Verdict` (True, False, Uncertain,
  Inconsistent, Unknown), with the premises used when ``explain`` or ``cores`` is asked for;
- ``consistent(premises)``: Inconsistent (with the premises used), Uncertain (satisfiable) or
  Unknown;
- ``entails(premises, goal)``: is premises ∧ ¬goal unsatisfiable? An :class:`Entailment` with the
  premises used (no consistency requirement: that is ``decide``'s True);
- ``countermodel(premises, goal)``: a finite model of premises ∧ ¬goal, or None.

Budgets: ``rlimit`` (Z3 resource units, deterministic; back ends without one ignore it) and
``timeout`` (wall-clock seconds, a hang guard). Defaults: :mod:`provers.limits`.

Back ends are looked up by name with :func:`get` (``z3``, ``e``/``eprover``, ``cvc5`` when
registered); a back end whose tool is not installed raises :class:`ToolMissing` there, so
callers catch one type. Every prover failure derives from :class:`ProverError`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable, Iterable, Protocol, Sequence, runtime_checkable

from nsp import errors
from nsp.errors import BadInput, NspError
from nsp.logic.ir import Node
from provers.outcome import Model, Outcome, Verdict


class ProverError(NspError, RuntimeError):
    """The root of prover failures (infrastructure, not verdicts: those are values); a branch of
    nsp's one root (:mod:`nsp.errors`)."""


class ToolMissing(ProverError, errors.ToolMissing):
    """A back end's tool (binary or Python module) is not installed; the message says how to
    install it (exit code 3)."""


class UnknownProver(ProverError, BadInput):
    """No back end is registered under the name asked for."""


@dataclass(frozen=True)
class Entailment:
    """Is premises ∧ ¬goal unsatisfiable? ``proved``: True (unsat), False (sat), None (the prover
    could not tell; ``reason`` says why). ``used``: indices of premises a proof needs (minimal
    when the back end minimises). ``cost``: resource units spent (0 when not measured)."""

    proved: bool | None
    used: tuple[int, ...] | None = None
    reason: str = ""
    cost: int = 0


@runtime_checkable
class Prover(Protocol):
    name: str

    def decide(self, premises: Sequence[Node], conclusion: Node, *, explain: bool = False,
               cores: bool = False) -> Verdict: ...

    def consistent(self, premises: Sequence[Node]) -> Verdict: ...

    def entails(self, premises: Sequence[Node], goal: Node, *, used: bool = False) -> Entailment: ...

    def countermodel(self, premises: Sequence[Node], goal: Node) -> Model | None: ...


# ---------------------------------------------------------------- registry

# name -> "module:factory"; modules are imported only when a back end is asked for
_REGISTRY: dict[str, str | Callable[..., Prover]] = {
    "z3": "provers.z3_bridge:Z3Prover",
    "e": "provers.eprover:EProver",
    "cvc5": "provers.cvc5_bridge:Cvc5Prover",
}
_ALIASES = {"eprover": "e"}


def register(name: str, factory: str | Callable[..., Prover]) -> None:
    """Register a back end: a factory taking ``rlimit=`` and ``timeout=`` keywords, or its
    ``"module:attribute"`` path (imported when first asked for)."""
    _REGISTRY[name] = factory


def names() -> list[str]:
    return list(_REGISTRY)


def canonical(name: str) -> str:
    name = _ALIASES.get(name, name)
    if name not in _REGISTRY:
        raise UnknownProver(f"unknown prover {name!r}; choose {', '.join(_REGISTRY)}")
    return name


def get(name: str, **budget) -> Prover:
    """The back end registered as ``name`` with the budget given (``rlimit``, ``timeout``).
    Raises :class:`UnknownProver`, or :class:`ToolMissing` when its tool is not installed."""
    factory = _REGISTRY[canonical(name)]
    if isinstance(factory, str):
        module, attr = factory.split(":")
        try:
            factory = getattr(importlib.import_module(module), attr)
        except ImportError as e:
            raise ToolMissing(f"{name}: {e}") from None
    return factory(**budget)


def available(candidates: Iterable[str] | None = None) -> list[str]:
    """The registered back ends whose tools are installed here."""
    out = []
    for n in candidates or names():
        try:
            get(n)
        except ProverError:
            continue
        out.append(canonical(n))
    return out


def agreement(verdicts: Sequence[Verdict | None]) -> bool | None:
    """Do the provers that decided agree? None when fewer than two decided."""
    decided = {v.outcome for v in verdicts if v is not None and v.outcome.decided}
    if sum(1 for v in verdicts if v is not None and v.outcome.decided) < 2:
        return None
    return len(decided) == 1


def combined(verdicts: Sequence[Verdict | None]) -> Outcome:
    """The agreed outcome of the provers that decided; Unknown when none decided or they
    disagree."""
    decided = {v.outcome for v in verdicts if v is not None and v.outcome.decided}
    return decided.pop() if len(decided) == 1 else Outcome.UNKNOWN
