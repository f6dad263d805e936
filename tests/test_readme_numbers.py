"""The translators' tables in the READMEs show what their recorded summaries say.

Each row listed here was measured by a run whose replay and summary are in ``data/replay``; the row's
accuracy, per-label counts, error rate, median seconds and name agreement must be the summary's
(rounded as printed). A re-score that moves a number then fails here until the README says it too.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import ROOT

ADAPTER_README = ROOT / "nsp" / "parse" / "adapter" / "README.md"
SMOLLM_README = ROOT / "nsp" / "parse" / "adapter-smollm" / "README.md"

# (README, the start of the row's first cell, the replay whose summary it reports)
ROWS = [
    (ADAPTER_README, "**Qwen2.5-Coder-0.5B + this adapter (step 100), vocabulary repair 8, compound reading (the default)**",
     "folio-dev-k1-qwen05-whole-step100-vocab"),
    (ADAPTER_README, "the same adapter cooled down to step 130", "folio-dev-k1-qwen05-whole-cool130"),
    (ADAPTER_README, "the shipped recipe with every FOLIO v2 True/False problem twice", "folio-dev-k1-qwen05-whole-proved2"),
    (ADAPTER_README, "the shipped recipe plus self-training", "folio-dev-k1-qwen05-whole-selftrain"),
    (ADAPTER_README, "the default with beam search", "folio-dev-k1-qwen05-whole-beams4"),
    (ADAPTER_README, "Qwen2.5-Coder-0.5B + the step-260 adapter (the default until 2026-12-04), vocabulary repair 8",
     "folio-dev-k1-qwen05-whole-vocab"),
    (ADAPTER_README, "Qwen2.5-Coder-0.5B + the step-260 adapter, no vocabulary repair", "folio-dev-k1-qwen05-whole"),
    (ADAPTER_README, "SmolLM2-135M + `adapter-smollm` (the previous default)", "folio-dev-k1-lora16"),
    (ADAPTER_README, "SmolLM2-135M alone", "folio-dev-k1"),
    (ADAPTER_README, "SmolLM2-135M + a whole-problem LoRA", "folio-dev-k1-smollm-whole"),
    (ADAPTER_README, "**the default (this adapter, the `proof` vote), K=10**", "folio-dev-k10-qwen05-whole-step100"),
    (ADAPTER_README, "the default, K=3", "folio-dev-k3-qwen05-whole-step100"),
    (ADAPTER_README, "Qwen2.5-Coder-0.5B + this adapter, sentence by sentence", "folio-dev-k1-qwen05-sentence-step100-n20"),
    (ADAPTER_README, "Qwen2.5-Coder-1.5B + a whole-problem LoRA at step 43", "folio-dev-k1-qwen15-whole-step43-n40"),
    (ADAPTER_README, "Qwen2.5-Coder-1.5B + the same run's LoRA at step 80", "folio-dev-k1-qwen15-whole-step80-n40"),
    (ADAPTER_README, "Qwen + this adapter (step 100), no vocabulary repair, 1 thread", "folio-dev-k1-qwen05-whole-step100-n20"),
    (ADAPTER_README, "Qwen2.5-Coder-0.5B untuned", "folio-dev-k1-qwen05-untuned-n20"),
    (SMOLLM_README, "embedded SmolLM2-135M alone", "folio-dev-k1"),
    (SMOLLM_README, "+ full fine-tuning", "folio-dev-k1-finetuned140"),
    (SMOLLM_README, "**+ this adapter", "folio-dev-k1-lora16"),
]

LABELS = ("True", "False", "Uncertain")


def _table_rows(path) -> list[list[str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("|") and not line.startswith("|---"):
            rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    return rows


def _number(cell: str) -> float | None:
    """The first number of a cell (``**52.0 %**`` → 52.0), ``None`` for an empty cell."""
    m = re.search(r"\d+(?:\.\d+)?", cell)
    return float(m.group()) if m else None


def _shows(cell: str, value: float) -> bool:
    """Whether a cell's number is ``value`` rounded to one decimal. Either way at a half: a summary
    keeps 4 decimals (72/148 as 0.4865), so 48.6 % and 48.7 % are both its rounding."""
    got = _number(cell)
    return got is not None and abs(got - value) <= 0.05 + 1e-9


def _summary(replay: str) -> dict:
    return json.loads((ROOT / "data" / "replay" / f"{replay}.summary.json").read_text(encoding="utf-8"))


def _row(path, start: str) -> dict[str, str]:
    header, *body = _table_rows(path)
    found = [r for r in body if r[0].startswith(start)]
    assert len(found) == 1, f"{path.name}: {len(found)} rows start with {start!r}"
    return dict(zip(header, found[0]))


@pytest.mark.parametrize("readme, start, replay", ROWS, ids=[f"{r[0].parent.name}:{r[2]}" for r in ROWS])
def test_a_readme_row_shows_its_recorded_summary(readme, start, replay):
    s = _summary(replay)
    row = _row(readme, start)
    assert _shows(row["accuracy"], 100 * s["accuracy"])
    counts = ", ".join(f"{s['per_label'][k]['correct']}/{s['per_label'][k]['n']}" for k in LABELS)
    assert row["True / False / Uncertain"] == counts
    assert _shows(row["error rate"], 100 * s["error_rate"])
    if "problems" in row:
        assert row["problems"] in (f"all {s['n']}", f"first {s['n']}")
    median = (s.get("seconds_per_problem") or {}).get("median")
    if "median s/problem" in row and median is not None:
        assert _shows(row["median s/problem"], median)
    if row.get("name agreement") and s.get("name_agreement") is not None:
        assert _shows(row["name agreement"], 100 * s["name_agreement"])


def test_the_front_readme_quotes_the_default_translators_summaries():
    text = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    k1 = _summary("folio-dev-k1-qwen05-whole-step100-vocab")
    k10 = _summary("folio-dev-k10-qwen05-whole-step100")
    smol = _summary("folio-dev-k1-lora16")

    def after(phrase: str) -> str:  # the text the README prints right after a phrase
        m = re.search(re.escape(phrase) + r" (\S+)", text)
        assert m, phrase
        return m.group(1)

    assert _shows(after("(FOLIO dev, K=1:"), 100 * k1["accuracy"])
    assert _shows(after("`proof` vote:"), 100 * k10["accuracy"])
    assert _shows(after("%; against"), 100 * smol["accuracy"]) and "% for the earlier" in text
    assert _shows(after("this one's in"), 100 * k1["name_agreement"])
    assert _shows(after("%; median"), k1["seconds_per_problem"]["median"]) and " s per problem on 2 cores" in text
