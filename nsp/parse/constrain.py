"""Grammar-constrained decoding: every completion is one FOLIO-syntax formula and a newline.

:func:`grammar_processor` returns a ``transformers`` logits processor that masks, at every
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


class _Compiled:
    """The tokenizer's llguidance view and the compiled grammar, made once per tokenizer."""

    def __init__(self, tokenizer):
        import llguidance
        import llguidance.hf

        self.llguidance = llguidance
        self.tokenizer = llguidance.hf.from_tokenizer(tokenizer)
        self.grammar = llguidance.LLMatcher.grammar_from_lark(FOL_GRAMMAR)


_COMPILED: dict[int, _Compiled] = {}


def grammar_processor(tokenizer, rows: int, prompt_len: int):
    """A fresh logits processor for one ``generate`` call of ``rows`` sequences whose prompts
    (left-padded) are ``prompt_len`` tokens long."""
    try:
        import llguidance.torch as lt
        from transformers import LogitsProcessor
    except ImportError:
        from nsp.parse.backends import BackendError

        raise BackendError("grammar-constrained decoding needs llguidance: pip install 'nsp[grammar]'") from None
    key = id(tokenizer)
    if key not in _COMPILED:
        _COMPILED[key] = _Compiled(tokenizer)
    c = _COMPILED[key]

    class _FormulaOnly(LogitsProcessor):
        def __init__(self):
            self.matchers = [c.llguidance.LLMatcher(c.tokenizer, c.grammar) for _ in range(rows)]
            self.mask = lt.allocate_token_bitmask(rows, c.tokenizer.vocab_size)

        def __call__(self, input_ids, scores):
            started = input_ids.shape[1] > prompt_len
            for i, m in enumerate(self.matchers):
                if started and not (m.is_stopped() or m.is_error()):
                    m.consume_token(int(input_ids[i, -1]))
                if m.is_stopped() or m.is_error():  # a finished row: padding follows, leave it be
                    self.mask[i].fill_(-1)
                else:
                    lt.fill_next_token_bitmask(m, self.mask, i)
            lt.apply_token_bitmask_inplace(scores, self.mask)
            return scores

    return _FormulaOnly()
