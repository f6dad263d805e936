"""Problems (premises ⊢ conclusion) and the files that hold them.

Text format: one formula per line, ``#`` (or ``%``, as in TPTP) starts a comment line, a line
``---`` separates the premises from the conclusion. JSON format: ``{"premises": [...], "conclusion": "..."}``. A TPTP file of
``fof(name, role, formula).`` lines works too: ``conjecture`` is the conclusion.
Every formula is read in one syntax (given, or detected from the whole file); the signature of
the whole problem must be consistent (one arity per symbol).

English problem files (``nsp check``) have the same layout with sentences for formulas:
:func:`read_sentence_file`. Files are read under the one decoding policy of :mod:`nsp.files`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from nsp import jsonio
from nsp.errors import BadInput
from nsp.files import read_input, read_text
from nsp.logic.analysis import SignatureError, separate_clashes, signature
from nsp.logic.ir import Node
from nsp.logic.syntax import FormulaSyntaxError, Repair, detect_syntax, parse

MAX_FILE_BYTES = 20_000_000
_CONJECTURE = re.compile(r"^\s*(fof|tff)\s*\(\s*[^,]+,\s*conjecture\s*,")


ProblemError = BadInput  # bad input (a problem file, a dataset): one line ``where: what``; ``pointer`` adds a caret display


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
            at = where[i] if where is not None and i < len(where) else _label(i, len(premises))
            raise ProblemError(f"formula must be a string, got {type(t).__name__}", at)
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
    """Parse the text or JSON problem format (see module docstring; which one: :func:`_json_value`)."""
    is_json, data = _json_value(text, name, '{["')
    if is_json:
        return _read_json(data, name, syntax, strict)
    premises, conclusion, seen_sep = _split_lines(text, name)
    if not premises and not conclusion:
        raise ProblemError("no formulas (expected premises, a line '---', then the conclusion)", name)
    if seen_sep and len(conclusion) != 1:
        what = "no conclusion" if not conclusion else f"{len(conclusion)} conclusions"
        raise ProblemError(f"{what} after '---' (expected exactly one formula)", name)
    if not seen_sep:
        return _read_tptp_roles(premises, name, syntax, strict)
    return _read(premises + conclusion, len(premises), True, syntax, strict, None)


def _split_lines(text: str, name: str) -> tuple[list[_Line], list[_Line], bool]:
    """The text format's statement lines before and after ``---`` (comments and blank lines
    dropped), and whether there was a ``---``."""
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
    return premises, conclusion, seen_sep


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


def _read_json(data, name: str, syntax: str, strict: bool) -> Problem:
    data, premises, conclusion = _json_problem(data, name, conclusion_required=False)
    where = [f"{name}: premises[{i}]" for i in range(len(premises))]
    if conclusion is not None:
        where.append(f"{name}: conclusion")
    return problem_from_texts(premises, conclusion, syntax, strict, where, data.get("id"))


def _json_value(text: str, name: str, starts: str) -> tuple[bool, object]:
    """``(True, value)`` when a problem file holds JSON, else ``(False, None)`` (the text format).
    A file is JSON when its first character is one of ``starts`` (then invalid JSON is an error
    naming the line and column), or when the whole file is one JSON value: a file holding ``42``,
    ``"P(a)"`` or ``null`` is the JSON format holding the wrong value (an error), never a
    one-premise text problem."""
    try:
        return True, jsonio.loads(text)
    except json.JSONDecodeError as e:
        if text.lstrip().startswith(tuple(starts)):
            raise ProblemError(f"invalid JSON: {e.msg}", f"{name}:{e.lineno}:{e.colno}") from None
    return False, None


def _json_problem(data, name: str, conclusion_required: bool) -> tuple[dict, list, str | None]:
    """The JSON problem object, its premises list and its conclusion (a string, or None when absent
    and not required)."""
    if not isinstance(data, dict) or "premises" not in data:
        got = "" if isinstance(data, dict) else f", not {json.dumps(data, ensure_ascii=False)[:40]}"
        raise ProblemError(f'JSON problem must be an object with "premises" and "conclusion"{got}', name)
    premises, conclusion = data["premises"], data.get("conclusion")
    if not isinstance(premises, list):
        raise ProblemError('"premises" must be a list of formula strings', name)
    if ("conclusion" in data or conclusion_required) and not isinstance(conclusion, str):
        raise ProblemError(f'"conclusion" must be a formula string, not {json.dumps(conclusion)[:40]}', name)
    return data, premises, conclusion


def read_problem_file(path: str | Path, syntax: str = "auto", strict: bool = False) -> Problem:
    """Read a problem file (``-``: standard input); every failure is a one-line :class:`ProblemError`."""
    text, name = read_input(path, MAX_FILE_BYTES)
    return read_problem_text(text, name, syntax, strict)


def read_sentence_file(path: str | Path) -> tuple[list[str], str]:
    """An English problem file (``nsp check``): the text format with sentences for formulas
    (premises one per line, ``#``/``%`` comments, ``---``, one conclusion), or JSON
    ``{"premises": [...], "conclusion": "..."}``; blank premises are dropped. ``-``: standard
    input. Raises ProblemError."""
    text, name = read_input(path, MAX_FILE_BYTES)
    is_json, data = _json_value(text, name, "{")  # a sentence may open with '"' or '['
    if is_json:
        _, premises, conclusion = _json_problem(data, name, conclusion_required=True)
        bad = next((i for i, p in enumerate(premises) if not isinstance(p, str)), None)
        if bad is not None:
            raise ProblemError(f'"premises"[{bad}] must be a sentence string, not {json.dumps(premises[bad])[:40]}',
                               name)
        return [p.strip() for p in premises if p.strip()], conclusion.strip()
    premises, conclusion, seen_sep = _split_lines(text, name)
    if not seen_sep or len(conclusion) != 1 or not premises:
        raise ProblemError("expected premises one per line, a line '---', then one conclusion", name)
    return [l.text.strip() for l in premises], conclusion[0].text.strip()


read_text_file = read_text  # a file's UTF-8 text under nsp.files' policy; failures are ProblemError
