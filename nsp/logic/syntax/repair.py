"""Lenient reading: repair the quirks annotators and LLMs produce, and report every repair.

The repairs work on a token list (each token keeps its column in the original text) and
produce text in the target syntax, which the strict parser then reads. In order:

1. a trailing ``.`` or ``;`` is dropped; an en/em dash inside a name (``2005–06``) is its hyphen;
2. quoted constants (``"captain america"``) become identifiers (``captainAmerica``);
3. connectives spelled in another syntax (``&``, ``->``, ``^``, ``~``, ``!=``, ``<=>``...) are
   read as the target's;
4. unbalanced parentheses: a ``)`` with nothing open is dropped, missing ``)`` are appended;
5. ``Exists(x, φ)``, ``ForAll(x, φ)``, ``Not(φ)``, ``And(φ, ψ, ...)``, ``Or``, ``Implies``,
   ``Iff``, ``Xor`` written as functions become connectives;
6. quantifier prefixes ``∀x, y``, ``∀x:``, ``∀x.``, ``∀xP(x)`` become ``∀x ∀y`` / ``∀x P(x)``;
7. multi-word constants inside argument lists (``captain america``) are joined (camelCase), and
   words before a ``(`` at formula level (``TalkingTo strangers(x)``) into one predicate name;
8. formulas written side by side (``Country(x) Nearby(x, y)``) are joined with ∧;
9. a comma outside an argument list is read as ∧.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from nsp.logic.syntax.grammars import FOLIO_NAME, NLTK_NAME


@dataclass(frozen=True, slots=True)
class Repair:
    """One change lenient reading made: where (1-based column of the original text) and what."""

    column: int
    kind: str
    message: str

    def __str__(self) -> str:
        return f"column {self.column}: {self.message}"


@dataclass(slots=True)
class Tok:
    type: str  # ws name quoted op kw lpar rpar comma dot colon semi lsq rsq other
    text: str
    pos: int  # 0-based offset in the original text
    role: str = ""  # for op/kw: NOT AND OR IMP IFF XOR EQ NEQ FORALL EXISTS TOP BOTTOM


_ROLE = {
    "¬": "NOT", "~": "NOT", "∼": "NOT", "-": "NOT", "!": "NOT",
    "∧": "AND", "&": "AND", "^": "AND", "&&": "AND",
    "∨": "OR", "|": "OR", "||": "OR",
    "→": "IMP", "->": "IMP", "=>": "IMP", "⇒": "IMP",
    "↔": "IFF", "<->": "IFF", "<=>": "IFF", "⇔": "IFF",
    "⊕": "XOR", "<~>": "XOR", "⊻": "XOR",
    "=": "EQ", "≠": "NEQ", "!=": "NEQ", "=/=": "NEQ",
    "∀": "FORALL", "∃": "EXISTS", "⊤": "TOP", "⊥": "BOTTOM",
    "all": "FORALL", "forall": "FORALL", "exists": "EXISTS", "exist": "EXISTS", "some": "EXISTS",
}

TARGET = {
    "folio": {"NOT": "¬", "AND": " ∧ ", "OR": " ∨ ", "IMP": " → ", "IFF": " ↔ ", "XOR": " ⊕ ",
              "EQ": " = ", "NEQ": " ≠ ", "FORALL": "∀", "EXISTS": "∃", "TOP": "⊤", "BOTTOM": "⊥"},
    "nltk": {"NOT": "-", "AND": " & ", "OR": " | ", "IMP": " -> ", "IFF": " <-> ", "XOR": " <~> ",
             "EQ": " = ", "NEQ": " != ", "FORALL": "all ", "EXISTS": "exists ", "TOP": "⊤", "BOTTOM": "⊥"},
}
# Spellings that are already correct in each syntax (no repair reported).
NATIVE = {
    "folio": {"¬", "∧", "∨", "→", "↔", "⊕", "=", "≠", "∀", "∃", "⊤", "⊥"},
    "nltk": {"-", "&", "|", "->", "<->", "<~>", "=", "!=", "all", "forall", "exists", "exist", "some", "⊤", "⊥"},
}

_OPS = r"<->|<=>|<~>|->|=>|!=|=/=|&&|\|\||[∀∃¬∧∨→↔⊕≠=^&|~∼⇒⇔⊻⊤⊥!-]"
_PATTERNS = {
    "folio": re.compile(
        rf"""(?P<ws>\s+)|(?P<quoted>"[^"\n]*"|'[^'\n]*')|(?P<op>{_OPS})|(?P<name>{FOLIO_NAME})
        |(?P<lpar>\()|(?P<rpar>\))|(?P<comma>,)|(?P<dot>\.)|(?P<colon>:)|(?P<semi>;)
        |(?P<lsq>\[)|(?P<rsq>\])|(?P<other>.)""",
        re.X | re.S,
    ),
    "nltk": re.compile(
        rf"""(?P<ws>\s+)|(?P<quoted>"[^"\n]*"|'[^'\n]*')|(?P<kw>(?:forall|all|exists|exist|some)(?![A-Za-z0-9_]))
        |(?P<op>{_OPS})|(?P<name>{NLTK_NAME})
        |(?P<lpar>\()|(?P<rpar>\))|(?P<comma>,)|(?P<dot>\.)|(?P<colon>:)|(?P<semi>;)
        |(?P<lsq>\[)|(?P<rsq>\])|(?P<other>.)""",
        re.X | re.S,
    ),
}

FUNCTION_CONNECTIVES = {
    "exists": "EXISTS", "forall": "FORALL", "not": "NOT", "and": "AND", "or": "OR",
    "implies": "IMP", "iff": "IFF", "xor": "XOR", "equivalent": "IFF",
}


def normalise_text(text: str) -> str:
    """Unicode NFC, no BOM, no non-breaking spaces; the same in strict and lenient modes."""
    text = unicodedata.normalize("NFC", text).lstrip("\ufeff")
    return text.replace("\u00a0", " ").replace("\u2009", " ")


def tokenize(text: str, syntax: str) -> list[Tok]:
    out = []
    for m in _PATTERNS[syntax].finditer(text):
        kind = m.lastgroup
        tok = Tok(kind, m.group(), m.start())
        if kind in ("op", "kw"):
            tok.role = _ROLE.get(tok.text, "")
        out.append(tok)
    return out


def camel(words: list[str]) -> str:
    parts = [re.sub(r"\W", "", w) for w in words]
    parts = [p for p in parts if p]
    if not parts:
        return "blank"
    head = parts[0][0].lower() + parts[0][1:]
    name = head + "".join(p[0].upper() + p[1:] for p in parts[1:])
    return name if name[0].isalpha() or name[0] == "_" else "c" + name


class _Repairer:
    def __init__(self, text: str, syntax: str):
        self.syntax = syntax
        self.target = TARGET[syntax]
        self.toks = tokenize(text, syntax)
        self.repairs: list[Repair] = []

    def note(self, tok: Tok, kind: str, message: str) -> None:
        self.repairs.append(Repair(tok.pos + 1, kind, message))

    # helpers over significant (non-whitespace) tokens
    def sig(self) -> list[int]:
        return [i for i, t in enumerate(self.toks) if t.type != "ws"]

    def matching(self) -> dict[int, int]:
        """Index of each '(' -> index of its ')' (the token list must be balanced)."""
        stack, out = [], {}
        for i, t in enumerate(self.toks):
            if t.type == "lpar":
                stack.append(i)
            elif t.type == "rpar" and stack:
                out[stack.pop()] = i
        return out

    def prev_sig(self, i: int) -> Tok | None:
        j = i - 1
        while j >= 0 and self.toks[j].type == "ws":
            j -= 1
        return self.toks[j] if j >= 0 else None

    def next_sig_index(self, i: int) -> int | None:
        j = i + 1
        while j < len(self.toks) and self.toks[j].type == "ws":
            j += 1
        return j if j < len(self.toks) else None

    def arglist_flags(self) -> dict[int, bool]:
        """For each '(' index: is it an argument list (directly after a predicate/function name)?"""
        flags = {}
        for i, t in enumerate(self.toks):
            if t.type != "lpar":
                continue
            prev_i = i - 1
            while prev_i >= 0 and self.toks[prev_i].type == "ws":
                prev_i -= 1
            prev = self.toks[prev_i] if prev_i >= 0 else None
            is_arg = prev is not None and prev.type == "name"
            if is_arg:  # a quantified variable followed by a group is not a call: ∀x (P(x))
                before = self.prev_sig(prev_i)
                if before is not None and before.role in ("FORALL", "EXISTS") and prev.text[:1].islower():
                    is_arg = False
            flags[i] = is_arg
        return flags

    # ------------------------------------------------------------ passes
    def run(self) -> tuple[str, list[Repair]]:
        self.trailing()
        self.dashes()
        self.quoted()
        self.connectives()
        self.balance()
        self.function_connectives()
        self.quantifier_prefixes()
        self.multiword()
        self.multiword_predicates()
        self.juxtaposed()
        self.comma_as_and()
        return "".join(t.text for t in self.toks), self.repairs

    def trailing(self) -> None:
        while True:
            s = self.sig()
            if not s:
                return
            last = self.toks[s[-1]]
            if last.type in ("dot", "semi"):
                self.note(last, "trailing", f"dropped trailing '{last.text}'")
                del self.toks[s[-1]]
            else:
                return

    def quoted(self) -> None:
        for t in self.toks:
            if t.type == "quoted":
                words = t.text[1:-1].split()
                name = camel(words)
                self.note(t, "quoted", f"read quoted constant {t.text} as {name}")
                t.type, t.text = "name", name

    def connectives(self) -> None:
        native = NATIVE[self.syntax]
        for i, t in enumerate(self.toks):
            if t.type not in ("op", "kw") or not t.role:
                continue
            if t.text in native:
                continue
            new = self.target[t.role]
            if t.role in ("FORALL", "EXISTS") and self.syntax == "nltk":
                continue
            self.note(t, "connective", f"read '{t.text}' as '{new.strip()}'")
            t.text = new

    def balance(self) -> None:
        depth = 0
        keep = []
        for t in self.toks:
            if t.type == "lpar":
                depth += 1
            elif t.type == "rpar":
                if depth == 0:
                    self.note(t, "parenthesis", "dropped a ')' that closes nothing")
                    continue
                depth -= 1
            keep.append(t)
        self.toks = keep
        if depth:
            end = (self.toks[-1].pos + len(self.toks[-1].text)) if self.toks else 0
            tok = Tok("rpar", ")" * depth, end)
            self.note(tok, "parenthesis", f"added {depth} missing ')' at the end")
            for _ in range(depth):
                self.toks.append(Tok("rpar", ")", end))

    def function_connectives(self) -> None:
        # Rewrite innermost-first: the last call start is never inside a later one.
        while True:
            match = self.matching()
            found = None
            for i in range(len(self.toks) - 1, -1, -1):
                t = self.toks[i]
                if t.type not in ("name", "kw") or t.text.lower() not in FUNCTION_CONNECTIVES:
                    continue
                j = self.next_sig_index(i)
                if j is None or self.toks[j].type != "lpar" or j not in match:
                    continue
                args = self._split_args(j + 1, match[j], match)
                role = FUNCTION_CONNECTIVES[t.text.lower()]
                if self._looks_like_connective(role, args):
                    found = (i, j, match[j], role, args)
                    break
            if found is None:
                return
            i, j, k, role, args = found
            name_tok = self.toks[i]
            self.note(name_tok, "function-connective", f"read {name_tok.text}(...) as a connective")
            self.toks[i : k + 1] = self._connective_tokens(role, args, name_tok.pos)

    def _split_args(self, start: int, end: int, match: dict) -> list[list[Tok]]:
        args, cur, i = [], [], start
        while i < end:
            t = self.toks[i]
            if t.type == "lpar" and i in match:
                cur.extend(self.toks[i : match[i] + 1])
                i = match[i] + 1
                continue
            if t.type == "comma":
                args.append(cur)
                cur = []
            else:
                cur.append(t)
            i += 1
        args.append(cur)
        return [[t for t in a] for a in args]

    @staticmethod
    def _is_formulaish(arg: list[Tok]) -> bool:
        return any(t.type in ("lpar", "op", "kw") for t in arg)

    def _looks_like_connective(self, role: str, args: list[list[Tok]]) -> bool:
        sig_args = [[t for t in a if t.type != "ws"] for a in args]
        if any(not a for a in sig_args):
            return False
        if role in ("FORALL", "EXISTS"):
            if len(sig_args) < 2:
                return False
            var_args = sig_args[:-1]
            flat = [t for a in var_args for t in a if t.type not in ("lsq", "rsq")]
            return all(t.type == "name" for t in flat) and self._is_formulaish(sig_args[-1])
        if role == "NOT":
            return len(sig_args) == 1 and self._is_formulaish(sig_args[0])
        if role in ("AND", "OR"):
            return len(sig_args) >= 2 and all(self._is_formulaish(a) for a in sig_args)
        return len(sig_args) == 2 and all(self._is_formulaish(a) for a in sig_args)

    def _connective_tokens(self, role: str, args: list[list[Tok]], pos: int) -> list[Tok]:
        def op(text):
            return Tok("op", text, pos, role)

        def group(arg):
            return [Tok("lpar", "(", pos), *arg, Tok("rpar", ")", pos)]

        if role in ("FORALL", "EXISTS"):
            names = [t.text for a in args[:-1] for t in a if t.type == "name"]
            out = []
            if self.syntax == "nltk":
                # a kw token: the prefix pass must not take it for a unicode ∀/∃ to respell
                out.append(Tok("kw", self.target[role] + " ".join(names) + ".", pos, role))
            else:
                for n in names:
                    out.append(op(self.target[role] + n + " "))
            return [Tok("lpar", "(", pos), *out, *group(args[-1]), Tok("rpar", ")", pos)]
        if role == "NOT":
            return [op(self.target["NOT"]), *group(args[0])]
        out = [Tok("lpar", "(", pos)]
        for n, a in enumerate(args):
            if n:
                out.append(op(self.target[role]))
            out.extend(group(a))
        out.append(Tok("rpar", ")", pos))
        return out

    def quantifier_prefixes(self) -> None:
        if self.syntax != "folio":
            self._nltk_prefixes()
            return
        i = 0
        while i < len(self.toks):
            t = self.toks[i]
            if t.role not in ("FORALL", "EXISTS") or t.type != "op":
                i += 1
                continue
            j = self.next_sig_index(i)
            if j is None or self.toks[j].type != "name":
                i += 1
                continue
            var = self.toks[j]
            glued = re.match(r"^([a-z][0-9]*)([A-Z]\w*)$", var.text)
            k = self.next_sig_index(j)
            if glued and k is not None and self.toks[k].type == "lpar":
                self.note(var, "spacing", f"split '{var.text}' into variable '{glued[1]}' and '{glued[2]}'")
                self.toks[j : j + 1] = [Tok("name", glued[1], var.pos), Tok("ws", " ", var.pos),
                                        Tok("name", glued[2], var.pos + len(glued[1]))]
                i = j + 1
                continue
            # ∀x, y, z   /   ∀x:   /   ∀x.
            names, end = [var], j
            while True:
                c = self.next_sig_index(end)
                if c is None or self.toks[c].type != "comma":
                    break
                n = self.next_sig_index(c)
                if n is None or self.toks[n].type != "name":
                    break
                names.append(self.toks[n])
                end = n
            if len(names) > 1:
                self.note(var, "quantifier", "expanded variable list "
                          + ", ".join(n.text for n in names) + f" to one {t.text.strip()} per variable")
                new = []
                for n in names:
                    new += [Tok("op", t.text, n.pos, t.role), Tok("name", n.text, n.pos), Tok("ws", " ", n.pos)]
                self.toks[i : end + 1] = new
                i += len(new)
                continue
            c = self.next_sig_index(j)
            if c is not None and self.toks[c].type in ("colon", "dot"):
                self.note(self.toks[c], "quantifier", f"dropped '{self.toks[c].text}' after the quantified variable")
                self.toks[c] = Tok("ws", " ", self.toks[c].pos)
            i = j + 1

    def _nltk_prefixes(self) -> None:
        i = 0
        while i < len(self.toks):
            t = self.toks[i]
            if t.type != "kw" and not (t.type == "op" and t.role in ("FORALL", "EXISTS")):
                i += 1
                continue
            if t.type == "op":  # unicode quantifier in NLTK text: ∀x -> all x.
                new = self.target[t.role].strip()
                self.note(t, "connective", f"read '{t.text}' as '{new}'")
                t.type, t.text = "kw", new + " "  # ∀x must not become allx
            j = self.next_sig_index(i)
            last = None
            while j is not None and self.toks[j].type in ("name", "comma"):
                if self.toks[j].type == "comma":
                    self.note(self.toks[j], "quantifier", "dropped ',' between quantified variables")
                    self.toks[j] = Tok("ws", " ", self.toks[j].pos)
                else:
                    last = j
                    nxt = self.next_sig_index(j)
                    if nxt is not None and self.toks[nxt].type == "lpar":
                        break  # a predicate applied: the body starts here
                j = self.next_sig_index(j)
            if last is not None and (j is None or self.toks[j].type != "dot"):
                if j is not None and self.toks[j].type == "colon":
                    self.toks[j] = Tok("dot", ".", self.toks[j].pos)
                else:
                    self.toks.insert(last + 1, Tok("dot", ".", self.toks[last].pos))
                self.note(self.toks[last], "quantifier", "added '.' after the quantified variables")
            i += 1

    def multiword(self) -> None:
        """Words side by side inside an argument list form one constant: ``captain america``."""
        self._join_runs(in_args=True)

    def multiword_predicates(self) -> None:
        """Words before a '(' at formula level form one predicate name: ``TalkingTo strangers(jeff)``
        → ``TalkingToStrangers(jeff)``. Not after a quantifier (``∀x P(x)``) or inside arguments."""
        self._join_runs(in_args=False)

    def _join_runs(self, in_args: bool) -> None:
        flags = self.arglist_flags()
        stack: list[bool] = []
        i = 0
        while i < len(self.toks):
            t = self.toks[i]
            if t.type == "lpar":
                stack.append(flags.get(i, False))
            elif t.type == "rpar" and stack:
                stack.pop()
            elif t.type == "name" and bool(stack and stack[-1]) == in_args:
                last = self._name_run(i, stop_before_call=in_args)
                if last > i and (in_args or self._names_a_predicate(i, last)):
                    words = [w.text for w in self.toks[i : last + 1] if w.type == "name"]
                    if in_args:
                        name, what = camel(words), "constant"
                    else:
                        name, what = "".join(w[:1].upper() + w[1:] for w in words), "predicate"
                    self.note(t, "multiword", f"joined multi-word {what} '{' '.join(words)}' as {name}")
                    self.toks[i : last + 1] = [Tok("name", name, t.pos)]
                    flags = self.arglist_flags()
            i += 1

    def _name_run(self, i: int, stop_before_call: bool) -> int:
        """Index of the last name of the run of space-separated names that starts at ``i``
        (``stop_before_call``: a name followed by '(' is a call, not part of the run)."""
        last = i
        while True:
            n = self.next_sig_index(last)
            if n is None or self.toks[n].type != "name" or n == last + 1:
                return last
            after = self.next_sig_index(n)
            if stop_before_call and after is not None and self.toks[after].type == "lpar":
                return last
            last = n

    def _names_a_predicate(self, i: int, last: int) -> bool:
        """Is the run ``i..last`` at formula level a predicate name (followed by '(', and not a
        quantified variable list such as ``∀x P(x)``)?"""
        before, after = self.prev_sig(i), self.next_sig_index(last)
        quantified = before is not None and (before.role in ("FORALL", "EXISTS") or before.type == "name")
        return not quantified and after is not None and self.toks[after].type == "lpar"

    def dashes(self) -> None:
        """A dash inside a name (``2005–06``, an en or em dash) is the name's hyphen (FOLIO) or '_' (NLTK).
        In NLTK text, where '-' is negation, an ASCII '-' glued inside an argument
        (``Rank(x, Asia-Pacific)``, ``Medals(w, -Tokyo)``: no negation can stand there) is read as
        part of the name, '_' (as LINC's preprocessing reads it before Prover9)."""
        joiner = "-" if self.syntax == "folio" else "_"
        in_args = self._in_arglist() if self.syntax == "nltk" else set()
        i = 1
        while i + 1 < len(self.toks):
            a, d, b = self.toks[i - 1], self.toks[i], self.toks[i + 1]
            if d.type == "other" and d.text in "–—‐" and a.type == "name" and b.type == "name":
                self.note(d, "dash", f"read '{a.text}{d.text}{b.text}' as one name {a.text}{joiner}{b.text}")
                self.toks[i - 1 : i + 2] = [Tok("name", f"{a.text}{joiner}{b.text}", a.pos)]
                in_args = self._in_arglist() if in_args else in_args
                continue
            if d.text == "-" and b.type == "name" and id(d) in in_args and self._glued_argument_dash(i):
                glued = a.type == "name"
                start, head = (i - 1, a.text) if glued else (i, "")
                self.note(d, "dash", f"read '{head}-{b.text}' inside an argument as one name {head}_{b.text}")
                self.toks[start : i + 2] = [Tok("name", f"{head}_{b.text}", self.toks[start].pos)]
                in_args = self._in_arglist()
                i = start + 1
                continue
            i += 1

    def _in_arglist(self) -> set[int]:
        """ids of the tokens that stand directly inside an argument list."""
        flags, stack, out = self.arglist_flags(), [], set()
        for i, t in enumerate(self.toks):
            if t.type == "lpar":
                stack.append(flags.get(i, False))
            elif t.type == "rpar":
                if stack:
                    stack.pop()
            elif stack and stack[-1]:
                out.add(id(t))
        return out

    def _glued_argument_dash(self, i: int) -> bool:
        """Is the '-' at ``i`` glued to the name after it, and either glued to a name before it or
        opening an argument (after '(' or ',') that the name ends (before ',' or ')')?"""
        d, b = self.toks[i], self.toks[i + 1]
        if b.pos != d.pos + 1:
            return False
        a = self.toks[i - 1]
        if a.type == "name":
            return a.pos + len(a.text) == d.pos
        before, after = self.prev_sig(i), self.next_sig_index(i + 1)
        return (before is not None and before.type in ("lpar", "comma")
                and after is not None and self.toks[after].type in ("comma", "rpar"))

    def juxtaposed(self) -> None:
        flags = self.arglist_flags()
        i = 0
        while i < len(self.toks):
            t = self.toks[i]
            if t.type == "rpar":
                n = self.next_sig_index(i)
                if n is not None:
                    nt = self.toks[n]
                    starts = nt.type == "name" or (nt.type == "lpar" and not flags.get(n, False)) or nt.role in (
                        "NOT", "FORALL", "EXISTS")
                    if starts and nt.type in ("name", "lpar", "op", "kw"):
                        self.note(nt, "juxtaposition", f"inserted '{self.target['AND'].strip()}' before '{nt.text}'")
                        self.toks.insert(n, Tok("op", self.target["AND"], nt.pos, "AND"))
                        flags = self.arglist_flags()
            i += 1

    def comma_as_and(self) -> None:
        flags = self.arglist_flags()
        stack: list[bool] = []
        for i, t in enumerate(self.toks):
            if t.type == "lpar":
                stack.append(flags.get(i, False))
            elif t.type == "rpar" and stack:
                stack.pop()
            elif t.type == "comma" and not (stack and stack[-1]):
                self.note(t, "comma", f"read ',' as '{self.target['AND'].strip()}'")
                self.toks[i] = Tok("op", self.target["AND"], t.pos, "AND")


def repair(text: str, syntax: str) -> tuple[str, list[Repair]]:
    """Repaired text in ``syntax`` ('folio' or 'nltk') and the repairs made, in order."""
    return _Repairer(text, syntax).run()
