"""Grammar-constrained decoding: every completion is one FOLIO-syntax formula and a newline.

:meth:`CompiledGrammar.processor` returns a ``transformers`` logits processor that masks, at every
step and for every row of the batch, the tokens that cannot continue a formula of
:data:`FOL_GRAMMAR` (an llguidance Lark grammar for the language the strict FOLIO reader of
:mod:`nsp.logic.syntax` accepts, with ASCII names). The masks come from llguidance (Earley
parser over the tokenizer's trie, ~0.4 ms per row and step here). A grammar fixes syntax, not
meaning: a completion cut by ``max_new_tokens`` can still be unfinished.

Optional: ``pip install 'nsp[grammar]'`` (llguidance); without it asking for a grammar raises
:class:`nsp.parse.backends.BackendError`.
"""

from __future__ import annotations

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

    def processor(self, rows: int, prompt_len: int):
        """A fresh logits processor for one ``generate`` call of ``rows`` sequences whose
        (left-padded) prompts are ``prompt_len`` tokens long."""
        return _FormulaOnly(self, rows, prompt_len)


def _processor_base():
    from transformers import LogitsProcessor

    return LogitsProcessor


class _FormulaOnly(_processor_base()):
    def __init__(self, c: CompiledGrammar, rows: int, prompt_len: int):
        self.lt = c.llguidance.torch
        self.prompt_len = prompt_len
        self.matchers = [c.llguidance.LLMatcher(c.tokenizer, c.grammar) for _ in range(rows)]
        self.mask = self.lt.allocate_token_bitmask(rows, c.tokenizer.vocab_size)

    def __call__(self, input_ids, scores):
        started = input_ids.shape[1] > self.prompt_len
        for i, m in enumerate(self.matchers):
            if started and not (m.is_stopped() or m.is_error()):
                m.consume_token(int(input_ids[i, -1]))
            if m.is_stopped() or m.is_error():  # a finished row: padding follows, leave it be
                self.mask[i].fill_(-1)
            else:
                self.lt.fill_next_token_bitmask(m, self.mask, i)
        self.lt.apply_token_bitmask_inplace(scores, self.mask)
        return scores
