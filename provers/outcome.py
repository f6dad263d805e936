"""The closed vocabulary of verdicts and the values provers return.

``True``: the premises entail the conclusion. ``False``: they entail its negation.
``Uncertain``: neither (there is a model of the premises where the conclusion holds and one
where it fails). ``Inconsistent``: the premises have no model. ``Unknown``: the prover could not
tell (timeout, resource limit, incomplete), with the reason.
Results are values; only infrastructure failures raise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Outcome(str, Enum):
    TRUE = "True"
    FALSE = "False"
    UNCERTAIN = "Uncertain"
    INCONSISTENT = "Inconsistent"
    UNKNOWN = "Unknown"

    def __str__(self) -> str:
        return self.value

    @property
    def decided(self) -> bool:
        return self is not Outcome.UNKNOWN


@dataclass(frozen=True)
class Model:
    """A finite interpretation: domain elements, and each symbol's meaning over them.

    ``constants``: name -> element. ``functions``: name -> list of (argument tuple, value).
    ``predicates``: name -> sorted list of argument tuples where it holds (arity 0: ``[()]`` if
    true, ``[]`` if false). Tables too large to list are left out and named in ``omitted``.
    """

    domain: tuple[str, ...]
    constants: dict[str, str] = field(default_factory=dict)
    functions: dict[str, list] = field(default_factory=dict)
    predicates: dict[str, list] = field(default_factory=dict)
    omitted: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {
            "domain": list(self.domain),
            "constants": dict(self.constants),
            "functions": {k: [[list(a), v] for a, v in rows] for k, rows in self.functions.items()},
            "predicates": {k: [list(a) for a in rows] for k, rows in self.predicates.items()},
            "omitted": list(self.omitted),
        }

    def describe(self) -> list[str]:
        """Human-readable lines: the domain, then one line per symbol."""
        lines = [f"domain: {{{', '.join(self.domain)}}}"]
        for name, value in self.constants.items():
            lines.append(f"{name} = {value}")
        for name, rows in self.functions.items():
            lines.append(f"{name}: " + ", ".join(f"({', '.join(a)}) ↦ {v}" for a, v in rows))
        for name, rows in self.predicates.items():
            if rows and rows[0] == ():
                lines.append(f"{name} is true")
            elif not rows:
                lines.append(f"{name} holds of nothing")
            else:
                lines.append(f"{name} holds of " + ", ".join(
                    a[0] if len(a) == 1 else f"({', '.join(a)})" for a in rows))
        for name in self.omitted:
            lines.append(f"{name}: table too large to list")
        return lines


@dataclass(frozen=True)
class Verdict:
    """What one prover concluded about premises ⊢ conclusion, and why.

    ``used``: indices (0-based) of a minimal set of premises that yields the verdict (True,
    False, Inconsistent). ``countermodel``: premises true, conclusion false (Uncertain).
    ``model``: premises and conclusion true (Uncertain).
    """

    outcome: Outcome
    prover: str
    seconds: float = 0.0
    reason: str = ""
    used: tuple[int, ...] | None = None
    countermodel: Model | None = None
    model: Model | None = None

    def to_json(self) -> dict:
        out = {"outcome": self.outcome.value, "prover": self.prover, "seconds": round(self.seconds, 6)}
        if self.reason:
            out["reason"] = self.reason
        if self.used is not None:
            out["used"] = list(self.used)
        if self.countermodel is not None:
            out["countermodel"] = self.countermodel.to_json()
        if self.model is not None:
            out["model"] = self.model.to_json()
        return out
