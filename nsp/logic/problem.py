"""Problems (premises ⊢ conclusion) and the files that hold them.

Text format: one formula per line, ``#`` starts a comment, a line ``---`` separates the premises
from the conclusion. JSON format: ``{"premises": [...], "conclusion": "..."}``. A TPTP file of
``fof(name, role, formula).`` lines works too: ``conjecture`` is the conclusion.
Every formula is read in one syntax (given, or detected from the whole file); the signature of
the whole problem must be consistent (one arity per symbol).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from nsp import jsonio
from nsp.logic.analysis import SignatureError, separate_clashes, signature
from nsp.logic.ir import Node
from nsp.logic.syntax import FormulaSyntaxError, Repair, detect_syntax, parse

MAX_FILE_BYTES = 20_000_000
_CONJECTURE = re.compile(r"^\s*(fof|tff)\s*\(\s*[^,]+,\s*conjecture\s*,")


class ProblemError(ValueError):
    """Bad problem input. ``str()`` is one line: ``where: what``; ``pointer`` adds a caret display."""

    def __init__(self, message: str, where: str = "", pointer: str = ""):
        self.message, self.where, self.pointer = message, where, pointer
        super().__init__(f"{where}: {message}" if where else message)


@dataclass(frozen=True)
class Problem:
    """Premises, an optional conclusion, their source texts, and every repair made reading them."""

    premises: tuple[Node, ...]
    conclusion: Node | None
    premise_texts: tuple[str, ...] = ()
    conclusion_text: str | None = None
    syntax: str = "folio"
    repairs: tuple[tuple[str, Repair], ...] = ()  # (where, repair)
    premise_names: tuple[str, ...] = field(default=())
    id: str | None = None

    def __post_init__(self):
        if not self.premise_names:
            object.__setattr__(self, "premise_names", tuple(f"p{i + 1}" for i in range(len(self.premises))))

    @property
    def formulas(self) -> tuple[Node, ...]:
        return self.premises + ((self.conclusion,) if self.conclusion is not None else ())


@dataclass(frozen=True)
class _Line:
    text: str
    where: str  # e.g. "problem.txt:3" or "premise 2"
    label: str  # e.g. "premise 2 (line 3)"


def problem_from_texts(
    premises: Sequence[str],
    conclusion: str | None,
    syntax: str = "auto",
    strict: bool = False,
    where: Sequence[str] | None = None,
    id: str | None = None,
    repair_clashes: bool = False,
) -> Problem:
    """Read a problem from formula strings. Raises :class:`ProblemError` naming the bad item.

    ``repair_clashes`` (for datasets, in lenient mode): rename a symbol used with two arities
    instead of rejecting the problem; each renaming is reported as a repair.
    """
    texts = list(premises) + ([conclusion] if conclusion is not None else [])
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise ProblemError(f"formula must be a string, got {type(t).__name__}", _label(i, len(premises)))
    if where is None:
        where = [_label(i, len(premises)) for i in range(len(texts))]
    lines = [_Line(t, w, _label(i, len(premises)) + (f" ({w})" if w != _label(i, len(premises)) else ""))
             for i, (t, w) in enumerate(zip(texts, where))]
    return _read(lines, len(premises), conclusion is not None, syntax, strict, id, repair_clashes)


def _label(i: int, n_premises: int) -> str:
    return f"premise {i + 1}" if i < n_premises else "the conclusion"


def _read(lines: list[_Line], n_prem: int, has_conc: bool, syntax: str, strict: bool, id,
          repair_clashes: bool = False) -> Problem:
    if syntax == "auto":
        syntax = detect_syntax("\n".join(l.text for l in lines))
    formulas, repairs = [], []
    for line in lines:
        try:
            parsed = parse(line.text, syntax, strict)
        except FormulaSyntaxError as e:
            where = line.where if ":" in line.where else line.label
            col_where = f"{where}:{e.column}" if ":" in line.where else f"{where}, column {e.column}"
            raise ProblemError(e.detail, col_where, e.pointer()) from None
        except ValueError as e:
            raise ProblemError(str(e), line.where) from None
        formulas.append(parsed)
        repairs.extend((line.label, r) for r in parsed.repairs)
    nodes = [p.formula for p in formulas]
    try:
        signature(nodes, [l.label for l in lines])
    except SignatureError as e:
        if strict or not repair_clashes:
            raise ProblemError(str(e)) from None
        nodes, notes = separate_clashes(nodes)
        repairs.extend(("the problem", Repair(1, "arity-clash", note)) for note in notes)
    return Problem(
        premises=tuple(nodes[:n_prem]),
        conclusion=nodes[n_prem] if has_conc else None,
        premise_texts=tuple(l.text for l in lines[:n_prem]),
        conclusion_text=lines[n_prem].text if has_conc else None,
        syntax=syntax,
        repairs=tuple(repairs),
        id=id,
    )


def read_problem_text(text: str, name: str = "<input>", syntax: str = "auto", strict: bool = False) -> Problem:
    """Parse the text or JSON problem format (see module docstring)."""
    stripped = text.lstrip()
    if stripped.startswith("{"):
        return _read_json(text, name, syntax, strict)
    premises: list[_Line] = []
    conclusion: list[_Line] = []
    seen_sep = False
    for no, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#") or line.startswith("%"):
            continue
        if line == "---":
            if seen_sep:
                raise ProblemError("a second '---' separator", f"{name}:{no}")
            seen_sep = True
            continue
        target = conclusion if seen_sep else premises
        target.append(_Line(raw, f"{name}:{no}", f"{'the conclusion' if seen_sep else f'premise {len(premises) + 1}'} (line {no})"))
    if not premises and not conclusion:
        raise ProblemError("no formulas (expected premises, a line '---', then the conclusion)", name)
    if seen_sep and len(conclusion) != 1:
        what = "no conclusion" if not conclusion else f"{len(conclusion)} conclusions"
        raise ProblemError(f"{what} after '---' (expected exactly one formula)", name)
    if not seen_sep:
        return _read_tptp_roles(premises, name, syntax, strict)
    return _read(premises + conclusion, len(premises), True, syntax, strict, None)


def _read_tptp_roles(lines: list[_Line], name: str, syntax: str, strict: bool) -> Problem:
    """A file without '---': TPTP annotated formulas with one conjecture, or premises only."""
    prem, conc = [], []
    for line in lines:
        if _CONJECTURE.match(line.text):
            conc.append(line)
        else:
            prem.append(line)
    if len(conc) > 1:
        raise ProblemError("more than one conjecture", name)
    return _read(prem + conc, len(prem), bool(conc), syntax, strict, None)


def _read_json(text: str, name: str, syntax: str, strict: bool) -> Problem:
    try:
        data = jsonio.loads(text)
    except json.JSONDecodeError as e:
        raise ProblemError(f"invalid JSON: {e.msg}", f"{name}:{e.lineno}:{e.colno}") from None
    if not isinstance(data, dict) or "premises" not in data:
        raise ProblemError('JSON problem must be an object with "premises" and "conclusion"', name)
    premises, conclusion = data["premises"], data.get("conclusion")
    if not isinstance(premises, list):
        raise ProblemError('"premises" must be a list of formula strings', name)
    if "conclusion" in data and not isinstance(conclusion, str):
        raise ProblemError(f'"conclusion" must be a formula string, not {json.dumps(conclusion)[:40]}', name)
    where = [f"{name}: premises[{i}]" for i in range(len(premises))]
    if conclusion is not None:
        where.append(f"{name}: conclusion")
    return problem_from_texts(premises, conclusion, syntax, strict, where, data.get("id"))


def read_problem_file(path: str | Path, syntax: str = "auto", strict: bool = False) -> Problem:
    """Read a problem file; every failure is a one-line :class:`ProblemError`."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ProblemError(f"file is too large ({size:,} bytes; the limit is {MAX_FILE_BYTES:,})", str(path))
        data = path.read_bytes()
    except OSError as e:
        raise ProblemError(e.strerror or str(e), str(path)) from None
    return read_problem_text(decode_text(data, str(path)), str(path), syntax, strict)


def read_text_file(path: str | Path) -> str:
    """A file's UTF-8 text; an unreadable or non-text file is a one-line :class:`ProblemError`."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ProblemError(e.strerror or str(e), str(path)) from None
    return decode_text(data, str(path))


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 text, or a ProblemError saying where the bytes stop being text."""
    nul = data.find(b"\x00")
    if nul >= 0:
        raise ProblemError(f"binary data (NUL byte at offset {nul}); expected UTF-8 text", name)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ProblemError(f"not UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start})", name) from None

