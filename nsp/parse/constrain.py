"""Grammar-constrained decoding: every completion is one FOLIO-syntax formula and a newline.

:meth:`CompiledGrammar.processor` returns a ``transformers`` logits processor that masks, at every
step and for every row of the batch, the tokens that cannot continue a formula of
:data:`FOL_GRAMMAR` (an llguidance Lark grammar for the language the strict FOLIO reader of
:mod:`nsp.logic.syntax` accepts, with ASCII names). The masks come from llguidance (Earley
parser over the tokenizer's trie, ~0.4 ms per row and step here). A grammar fixes syntax, not
meaning. Whole-problem generations (:mod:`nsp.parse.whole`) are constrained by :data:`BLOCK_GRAMMAR`:
numbered lines ``N. formula`` / ``C. formula``, then a blank line.

A constrained completion cut by ``max_new_tokens`` is a *prefix* of a formula; :func:`close_formula`
closes it (drops the trailing unfinished pieces, closes the open brackets), so every completion of
a constrained run reads. The back end does this for every row that hit the cap.

Optional: ``pip install 'nsp[grammar]'`` (llguidance); without it asking for a grammar raises
:class:`nsp.parse.backends.BackendError`.
"""

from __future__ import annotations

import re

FOL_GRAMMAR = r"""
%ignore /[ \t]+/
start: formula "\n"
formula: unary (BIN unary)*
unary: "¬" unary | QUANT NAME formula | primary
primary: "(" formula ")" | "⊤" | "⊥" | app | app "=" app | app "≠" app
app: NAME | NAME "(" app ("," app)* ")"
BIN: "∧" | "∨" | "→" | "↔" | "⊕"
QUANT: "∀" | "∃"
NAME: /[A-Za-z0-9_]+/
"""

# whole problems: numbered lines, each one formula (the same rules), ended by a blank line
BLOCK_GRAMMAR = FOL_GRAMMAR.replace('start: formula "\\n"', 'start: line+ "\\n"\nline: LABEL "." formula "\\n"\n'
                                    'LABEL: /[0-9]+/ | "C"')

# The same grammars in GBNF, for a server that constrains decoding itself (llama.cpp's `grammar`,
# vLLM's structured_outputs / guided_grammar): one formula line, and a whole-problem block.
_GBNF_RULES = r"""formula ::= unary (ws bin ws unary)*
unary ::= "¬" ws unary | quant ws name ws formula | primary
primary ::= "(" ws formula ws ")" | "⊤" | "⊥" | app | app ws "=" ws app | app ws "≠" ws app
app ::= name | name "(" ws app (ws "," ws app)* ws ")"
bin ::= "∧" | "∨" | "→" | "↔" | "⊕"
quant ::= "∀" | "∃"
name ::= [A-Za-z0-9_]+
ws ::= [ \t]*
"""
FOL_GBNF = 'root ::= ws formula ws "\n"\n' + _GBNF_RULES
BLOCK_GBNF = 'root ::= line+ "\n"\nline ::= label "." ws formula ws "\n"\nlabel ::= [0-9]+ | "C"\n' + _GBNF_RULES

_PIECE = re.compile(r"[A-Za-z0-9_]+|\S")


def close_formula(text: str) -> str | None:
    """``text``, a prefix of a formula cut at the token cap, made a whole formula: trailing pieces
    (names, symbols) dropped one by one until what is left, with its open brackets closed, reads
    strictly (FOLIO syntax, closed). ``None`` when no prefix does. Deterministic; no model call."""
    from nsp.logic.syntax import FormulaSyntaxError, parse

    ends = [m.end() for m in _PIECE.finditer(text)]
    for end in reversed(ends):
        head = text[:end].rstrip()
        if text[end:].lstrip().startswith("(") and (head[-1:].isalnum() or head.endswith("_")):
            continue  # a predicate or function cut from its arguments is not a name of its own
        candidate = head + ")" * max(0, head.count("(") - head.count(")"))
        try:
            parse(candidate, "folio", strict=True)
        except (FormulaSyntaxError, RecursionError):
            continue
        return candidate
    return None


def close_block(text: str) -> str:
    """A whole-problem block cut at the cap: its last line's formula closed (:func:`close_formula`),
    or the line dropped when nothing of it reads."""
    lines = text.split("\n")
    m = re.match(r"^(\s*(?:\d+|C)\s*\.\s*)(.*)$", lines[-1])
    if m is None:
        return "\n".join(lines[:-1])
    closed = close_formula(m.group(2))
    lines[-1] = m.group(1) + closed if closed is not None else ""
    return "\n".join(lines).rstrip(" ")


class CompiledGrammar:
    """The tokenizer's llguidance view and the compiled grammar (make one per tokenizer)."""

    def __init__(self, tokenizer):
        try:
            import llguidance
            import llguidance.hf
            import llguidance.torch
        except ImportError:
            from nsp.parse.backends import BackendError

            raise BackendError("grammar-constrained decoding needs llguidance: pip install 'nsp[grammar]'") from None
        self.llguidance = llguidance
        self.tokenizer = llguidance.hf.from_tokenizer(tokenizer)
        self.grammar = llguidance.LLMatcher.grammar_from_lark(FOL_GRAMMAR)
        self.block = llguidance.LLMatcher.grammar_from_lark(BLOCK_GRAMMAR)
        self._closing(tokenizer)

    def _closing(self, tokenizer) -> None:
        """Per token: how many brackets it opens (``depth``, negative when it closes), and whether
        it only closes or ends a line (``closes``: ``)``, spaces, newlines)."""
        import torch

        size = max(len(tokenizer), self.tokenizer.vocab_size)
        depth, closes = torch.zeros(size, dtype=torch.long), torch.zeros(size, dtype=torch.bool)
        for tid, piece in enumerate(tokenizer.convert_ids_to_tokens(list(range(len(tokenizer))))):
            if piece is None:
                continue
            depth[tid] = piece.count("(") - piece.count(")")
            if len(piece) <= 8 and set(piece) & set(")\nĊ"):
                text = tokenizer.decode([tid])
                closes[tid] = bool(text) and set(text) <= set(") \n")
        self.depth, self.closes = depth, closes

    def processor(self, rows: int, prompt_len: int, block: bool = False, max_new_tokens: int | None = None):
        """A fresh logits processor for one ``generate`` call of ``rows`` sequences whose
        (left-padded) prompts are ``prompt_len`` tokens long; ``block``: whole-problem blocks.
        ``max_new_tokens``: the cap; near it a row may only close brackets and end its line when
        the grammar allows that, so formulas finish within the budget."""
        return _FormulaOnly(self, rows, prompt_len, self.block if block else self.grammar, max_new_tokens)


def _processor_base():
    from transformers import LogitsProcessor

    return LogitsProcessor


class _FormulaOnly(_processor_base()):
    RESERVE = 3  # tokens kept, beyond one per open bracket, to end the formula at the cap

    def __init__(self, c: CompiledGrammar, rows: int, prompt_len: int, grammar, max_new_tokens: int | None):
        self.lt = c.llguidance.torch
        self.c = c
        self.prompt_len = prompt_len
        self.cap = max_new_tokens
        self.open = [0] * rows
        self.matchers = [c.llguidance.LLMatcher(c.tokenizer, grammar) for _ in range(rows)]
        self.mask = self.lt.allocate_token_bitmask(rows, c.tokenizer.vocab_size)

    def __call__(self, input_ids, scores):
        import torch

        made = input_ids.shape[1] - self.prompt_len
        started = made > 0
        for i, m in enumerate(self.matchers):
            if started and not (m.is_stopped() or m.is_error()):
                last = int(input_ids[i, -1])
                m.consume_token(last)
                if last < len(self.c.depth):
                    self.open[i] += int(self.c.depth[last])
            if m.is_stopped() or m.is_error():  # a finished row: padding follows, leave it be
                self.mask[i].fill_(-1)
            else:
                self.lt.fill_next_token_bitmask(m, self.mask, i)
        self.lt.apply_token_bitmask_inplace(scores, self.mask)
        if self.cap is not None:
            width = min(scores.shape[1], len(self.c.closes))
            for i, m in enumerate(self.matchers):
                if m.is_stopped() or self.cap - made > max(self.open[i], 0) + self.RESERVE:
                    continue
                closing = self.c.closes[:width] & torch.isfinite(scores[i, :width])
                if closing.any():  # near the cap: close a bracket or end the line, when allowed
                    scores[i, :width] = torch.where(closing, scores[i, :width], float("-inf"))
                    scores[i, width:] = float("-inf")
        return scores
