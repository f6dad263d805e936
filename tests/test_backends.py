"""Model back ends: an OpenAI-compatible server on 127.0.0.1, replay files, the embedded model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nsp.logic.problem import ProblemError
from nsp.parse.backends import BackendError, ReplayBackend, ReplayMiss, first_line
from nsp.parse.endpoint import EndpointBackend
from tests.model_server import LoopbackServer, QuietHandler, choices


class CannedServer(LoopbackServer):
    """A real HTTP server on 127.0.0.1 answering /v1/completions and /v1/chat/completions.

    ``answer(prompt) -> list of completion texts`` picks the canned text; every request body is
    kept in ``requests``. ``ignore_n``: return one choice whatever ``n`` asks (some servers do).
    ``status``: the HTTP status to answer with.
    """

    def __init__(self, answer, ignore_n: bool = False, status: int = 200):
        self.answer, self.ignore_n, self.status = answer, ignore_n, status
        self.requests: list[dict] = []
        outer = self

        class Handler(QuietHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append({"path": self.path, **body})
                if outer.status != 200:
                    return self.send(outer.status, b"overloaded", json_body=False)
                prompt = body["messages"][-1]["content"] if "messages" in body else body["prompt"]
                texts = outer.answer(prompt)
                n = 1 if outer.ignore_n else body.get("n", 1)
                texts = [texts[i % len(texts)] for i in range(n)]
                listed = choices(texts, chat=self.path.endswith("/chat/completions"))
                self.send(200, json.dumps({"choices": listed}).encode())

        self._serve(Handler)


def test_first_line_cuts_at_newline():
    assert first_line("\n  Dog(rex)\nEnglish: next") == "Dog(rex)"
    assert first_line("") == ""


def test_endpoint_completions_n_and_request_body():
    with CannedServer(lambda p: [" Dog(rex)\nEnglish: more", "Cat(tom)"]) as srv:
        gen = EndpointBackend(srv.url, model="tiny")
        out = gen.generate(["English: Rex is a dog.\nFOL:", "English: Tom is a cat.\nFOL:"], n=3, temperature=0.7,
                           seed=5, max_new_tokens=20)
    assert out == [["Dog(rex)", "Cat(tom)", "Dog(rex)"]] * 2
    assert len(srv.requests) == 2
    body = srv.requests[0]
    assert body["path"] == "/v1/completions" and body["prompt"].endswith("FOL:")
    assert body["n"] == 3 and body["temperature"] == 0.7 and body["max_tokens"] == 20 and body["model"] == "tiny"
    assert body["seed"] != srv.requests[1]["seed"]  # per-prompt seeds


def test_endpoint_chat_api():
    with CannedServer(lambda p: ["Animal(rex)"]) as srv:
        gen = EndpointBackend(srv.url + "/v1", api="chat")
        assert gen.generate(["translate"], n=2) == [["Animal(rex)", "Animal(rex)"]]
    assert srv.requests[0]["path"] == "/v1/chat/completions"
    assert srv.requests[0]["messages"] == [{"role": "user", "content": "translate"}]


def test_endpoint_that_ignores_n_is_asked_again():
    with CannedServer(lambda p: ["P(a)"], ignore_n=True) as srv:
        out = EndpointBackend(srv.url).generate(["x"], n=3)
    assert out == [["P(a)"] * 3] and len(srv.requests) == 3


def test_endpoint_errors_are_backend_errors():
    with CannedServer(lambda p: ["P(a)"], status=503) as srv:
        with pytest.raises(BackendError, match="HTTP 503"):
            EndpointBackend(srv.url, backoff=0.01).generate(["x"])
        url = srv.url
    with pytest.raises(BackendError, match="cannot reach"):
        EndpointBackend(url, timeout=2, backoff=0.01).generate(["x"])  # the server is gone


def test_replay_by_id_and_by_position(tmp_path):
    f = tmp_path / "r.jsonl"
    f.write_text(json.dumps({"id": "a", "samples": [["P(a)", "P(a)"]]}) + "\n\n"
                 + json.dumps({"samples": [["Q(b)", "Q(b)"]]}) + "\n", encoding="utf-8")
    r = ReplayBackend(f)
    assert r.samples_for("a", 7) == [["P(a)", "P(a)"]]
    assert r.samples_for("zzz", 1) == [["Q(b)", "Q(b)"]]  # the id-less line at position 1
    with pytest.raises(ReplayMiss):
        r.samples_for("zzz", 0)  # position 0 holds another problem's id
    with pytest.raises(ReplayMiss):
        r.generate(["prompt"])


@pytest.mark.parametrize("text, message", [
    ("{not json\n", "invalid JSON"),
    ('{"id": 1, "samples": [["P(a)", 3]]}\n', "list of lists"),
    ("[1, 2]\n", "JSON object"),
    ("", "bad.jsonl: no recorded samples: the replay file has no lines"),  # bad input (exit 2), not a ReplayMiss (3)
    ("\n  \n", "bad.jsonl: no recorded samples: the replay file has no lines"),
])
def test_replay_bad_files(tmp_path, text, message):
    f = tmp_path / "bad.jsonl"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ProblemError, match=message):
        ReplayBackend(f)


# ---------------------------------------------------------------- the embedded model (real)


# the `embedded` fixture (the real SmolLM2-135M) is in conftest.py


def test_embedded_model_greedy_is_deterministic_and_shaped(embedded):
    prompts = ["English: All dogs are animals.\nFOL: ∀x (Dog(x) → Animal(x))\n\nEnglish: Rex is a dog.\nFOL:",
               "English: Tom is a cat.\nFOL:"]
    a = embedded.generate(prompts, n=2, temperature=0.0, max_new_tokens=8)
    b = embedded.generate(prompts[:1], n=1, temperature=0.0, max_new_tokens=8)
    assert len(a) == 2 and all(len(x) == 2 for x in a) and a[0][0] == a[0][1]
    assert all("\n" not in t for x in a for t in x)
    assert a[0][0] == b[0][0]  # batching with another prompt does not change a greedy completion
    assert a[0][0].strip()  # it writes something after "FOL:"


def test_embedded_model_sampling_is_seeded(embedded):
    p = ["English: Every cat is a mammal.\nFOL:"]
    one = embedded.generate(p, n=3, temperature=1.0, seed=11, max_new_tokens=6)
    two = embedded.generate(p, n=3, temperature=1.0, seed=11, max_new_tokens=6)
    other = embedded.generate(p, n=3, temperature=1.0, seed=12, max_new_tokens=6)
    assert one == two and len(one[0]) == 3
    assert one != other


def test_k_samples_of_one_prompt_share_its_key_value_cache(embedded, monkeypatch):
    """K completions of one prompt run the prompt once and repeat its cache K times
    (_generate_shared); in float32 they are the samples the plain K-row generation gives (in
    bfloat16 a batch-1 prefill may round differently), and a group of prompts (which cannot share
    one cache) still goes the plain way."""
    p = ["English: All dogs are animals.\nFOL: ∀x (Dog(x) → Animal(x))\n\nEnglish: Every cat that purrs is happy.\nFOL:"]
    calls = []
    shared = embedded._generate_shared
    monkeypatch.setattr(embedded, "_generate_shared", lambda *a: calls.append(a[1]) or shared(*a))
    fast = embedded.generate(p, n=4, temperature=0.8, seed=3, max_new_tokens=12)
    assert calls == [4]
    monkeypatch.setattr(embedded, "_generate_shared", lambda enc, n, kw: embedded.model.generate(**enc, **kw))
    plain = embedded.generate(p, n=4, temperature=0.8, seed=3, max_new_tokens=12)
    assert fast == plain and len(set(fast[0])) > 1  # the same 4 samples, and they differ from each other
    calls.clear()
    monkeypatch.setattr(embedded, "_generate_shared", lambda *a: calls.append(a[1]) or shared(*a))
    embedded.generate(p * 2, n=4, temperature=0.8, seed=3, max_new_tokens=4)
    assert calls == []


def test_grammar_constrained_sampling_writes_only_formulas(embedded):
    """With the grammar every finished completion of the real model reads with the strict FOLIO
    reader; the same sampling without it writes text that does not (SmolLM2-135M untrained)."""
    pytest.importorskip("llguidance", reason="grammar-constrained decoding needs nsp[grammar]")
    from nsp.logic.syntax import FormulaSyntaxError, parse
    from nsp.parse.backends import TransformersBackend

    prompts = ["Translate English into first-order logic.\nEnglish: All dogs are animals.\n"
               "FOL: ∀x (Dog(x) → Animal(x))\n\nEnglish: Sea eels breathe or are paper.\nFOL:",
               "English: Tom is a cat.\nFOL: Cat(tom)\n\nEnglish: No cat that purrs is angry.\nFOL:"]
    cap = 48

    def reads(text):
        try:
            parse(text, "folio", strict=True)
            return True
        except FormulaSyntaxError:
            return False

    constrained = TransformersBackend("embedded", grammar=True)
    assert constrained.name.endswith("+grammar")
    free = embedded.generate(prompts, n=4, temperature=0.9, seed=3, max_new_tokens=cap)
    bound = constrained.generate(prompts, n=4, temperature=0.9, seed=3, max_new_tokens=cap)
    assert all(reads(t) for row in bound for t in row), bound
    assert not all(reads(t) for row in free for t in row), free
    # a cap far too small for the formulas: every completion is still closed into one that reads
    tight = constrained.generate(prompts, n=4, temperature=0.9, seed=3, max_new_tokens=7)
    assert all(reads(t) for row in tight for t in row), tight
    assert any(t.endswith(")") and t.count("(") == t.count(")") for row in tight for t in row), tight
    # whole-problem blocks (numbered lines) under the block grammar, cut at the cap mid-formula
    from nsp.parse.whole import parse_completion, problem_prompt

    head = problem_prompt(["All dogs are animals.", "Rex is a dog."], "Rex is an animal.", instruction=True)
    blocks = constrained.generate([head], n=3, temperature=0.9, seed=5, max_new_tokens=30, stop=("\n\n",))[0]
    lines = [f for b in blocks for f in parse_completion(b, 2) if f is not None]
    assert lines and all(reads(f) for f in lines), blocks


def test_beam_search_changes_only_greedy_completions(embedded):
    """``beams``: a greedy completion is searched with N beams, one line per prompt as before,
    whatever else is in the batch; sampled completions are the ones a beamless back end draws with
    the same seed."""
    from nsp.parse.backends import TransformersBackend

    beam = TransformersBackend("embedded", beams=3)
    assert beam.name.endswith("+beam search (3 beams)")
    prompts = ["English: All dogs are animals.\nFOL: ∀x (Dog(x) → Animal(x))\n\nEnglish: Every cat that purrs is happy.\nFOL:",
               "English: Tom is a cat.\nFOL:"]
    both = beam.generate(prompts, n=2, temperature=0.0, max_new_tokens=16)
    alone = beam.generate(prompts[1:], n=1, temperature=0.0, max_new_tokens=16)
    assert both[1][0] == alone[0][0] and both[0][0] == both[0][1]
    assert all(t.strip() and "\n" not in t for row in both for t in row)
    p = ["English: Every cat is a mammal.\nFOL:"]
    assert beam.generate(p, n=3, temperature=1.0, seed=11, max_new_tokens=6) == \
        embedded.generate(p, n=3, temperature=1.0, seed=11, max_new_tokens=6)


@pytest.mark.parametrize("options, message", [
    (dict(endpoint="http://127.0.0.1:9", beams=2), "--beams searches a local model"),
    (dict(grammar=True, beams=2), "--grammar and --beams do not go together"),
    (dict(beams=0), "--beams 0: give 1 or more"),
])
def test_beam_options_that_do_not_go_together(options, message):
    from nsp.parse.backends import make_backend

    with pytest.raises(ValueError, match=message):
        make_backend(**options)


@pytest.mark.parametrize("cut, closed", [
    ("∀x (Dog(x) → ∃y (Owns(x, y) ∧", "∀x (Dog(x) → ∃y (Owns(x, y)))"),
    ("∀x (P(x) ∧ Q(", "∀x (P(x))"),  # a predicate cut from its arguments is dropped, not kept as a name
    ("P(a, f(b", "P(a, f(b))"),
    ("¬(A ∨", "¬(A)"),
    ("∀x", None),
])
def test_a_formula_cut_at_the_cap_is_closed(cut, closed):
    from nsp.parse.constrain import close_block, close_formula

    assert close_formula(cut) == closed
    assert close_block(f"1. P(a)\n2. {cut}") == ("1. P(a)\n2. " + closed if closed else "1. P(a)\n")


def test_thread_count_follows_the_load_from_other_work(monkeypatch):
    from nsp.parse import backends

    monkeypatch.delenv("NSP_THREADS", raising=False)
    monkeypatch.setattr(backends.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(backends.os, "getloadavg", lambda: (2.4, 2.0, 2.0))
    assert backends._threads() == 1  # at load: someone else keeps both cores busy
    assert backends._threads(own=2) == 2  # the load is this job's own two threads
    assert backends._threads(own=1) == 2  # one other busy process leaves a core free
    monkeypatch.setattr(backends.os, "getloadavg", lambda: (3.3, 2.0, 2.0))
    assert backends._threads(own=1) == 1
    monkeypatch.setenv("NSP_THREADS", "3")
    assert backends._threads(own=0) == 3


def test_a_shipped_adapter_is_merged_once_and_loaded_from_the_cache(embedded, monkeypatch, tmp_path):
    """The first load of a shipped adapter merges it into its base and keeps the result in the
    cache; later loads read that folder without peft and give the same weights and completions.
    Another adapter folder is merged at every load, never cached (SmolLM2 + adapter-smollm here:
    the same code path as the default translator, at a tenth of its size)."""
    pytest.importorskip("peft", reason="a LoRA adapter needs peft (pip install 'nsp[model]')")
    import shutil
    import sys

    from nsp.parse import backends

    cache = tmp_path / "merged"
    monkeypatch.setattr(backends, "merged_dir", lambda adapter, base, dtype: cache / Path(adapter).name)
    first = backends.TransformersBackend(str(backends.SMOLLM_ADAPTER))
    assert (cache / "adapter-smollm" / "config.json").exists()
    other = tmp_path / "my-adapter"
    shutil.copytree(backends.SMOLLM_ADAPTER, other)
    real_peft = sys.modules["peft"]  # imported by the first load's merge
    monkeypatch.setitem(sys.modules, "peft", None)  # peft cannot be imported from here on
    again = backends.TransformersBackend(str(backends.SMOLLM_ADAPTER))
    a, b = first.model.state_dict(), again.model.state_dict()
    assert a.keys() == b.keys() and all(a[k].equal(b[k]) for k in a)
    prompt = ["Premise: All dogs are animals.\nFOL:"]
    assert again.generate(prompt, max_new_tokens=16) == first.generate(prompt, max_new_tokens=16)
    with pytest.raises(BackendError, match="needs peft"):
        backends.TransformersBackend(str(other))
    assert sorted(p.name for p in cache.iterdir()) == ["adapter-smollm"]
    monkeypatch.setitem(sys.modules, "peft", real_peft)
    blocked = tmp_path / "read-only"  # a cache that cannot be written: merged in memory all the same
    blocked.write_text("a file where the cache folder would be")
    monkeypatch.setattr(backends, "merged_dir", lambda adapter, base, dtype: blocked / "m")
    fallback = backends.TransformersBackend(str(backends.SMOLLM_ADAPTER))
    assert fallback.generate(prompt, max_new_tokens=16) == first.generate(prompt, max_new_tokens=16)


def test_the_default_translator_is_the_shipped_adapter(monkeypatch, tmp_path):
    """With no weights from `nsp train`, the default back end is Qwen2.5-Coder-0.5B with the
    whole-problem LoRA adapter in nsp/parse/adapter (at most 25 MB in the repo) merged in: its
    weights differ from the base's, and it writes a held-out (dev-split) FOLIO problem's block of
    formulas, one per sentence, that read. Its accuracy is measured by bench and re-scored from
    data/replay."""
    pytest.importorskip("peft", reason="the shipped adapter needs peft (pip install 'nsp[model]')")
    pytest.importorskip("torch", reason="the model back end needs torch")
    import json

    import torch
    from safetensors import safe_open

    from nsp.logic.syntax import parse
    from nsp.parse import backends
    from nsp.parse.prompts import folio_split
    from nsp.parse.whole import parse_completion, problem_prompt
    from tests.conftest import FOLIO_TRAIN

    assert (backends.SHIPPED_ADAPTER / "adapter_model.safetensors").stat().st_size <= 25_000_000
    assert json.loads((backends.SHIPPED_ADAPTER / "nsp_base.json").read_text())["base"] == "qwen-coder-0.5b"
    monkeypatch.setattr(backends, "FINETUNED", tmp_path / "no-finetuned-model")
    try:
        tuned = backends.TransformersBackend()
    except BackendError as e:  # the Qwen wheels are missing: under CI this skip fails the run
        pytest.skip(str(e))
    assert tuned.source == str(backends.SHIPPED_ADAPTER)
    assert "Qwen2.5-Coder-0.5B" in tuned.name and tuned.name.endswith("the LoRA adapter shipped with nsp")
    assert tuned.layout == "whole"  # so the default mode is whole problems
    name = "model.layers.0.self_attn.q_proj.weight"
    base_dir = backends.TransformersBackend._resolve("qwen-coder-0.5b")
    with safe_open(str(sorted(Path(base_dir).glob("*.safetensors"))[0]), "pt") as f:
        base_w = f.get_tensor(name).to(torch.bfloat16)
    tuned_w = tuned.model.state_dict()[name]
    assert base_w.shape == tuned_w.shape and not torch.equal(base_w, tuned_w)  # merged, not the base
    if not FOLIO_TRAIN.exists():
        pytest.skip(f"needs {FOLIO_TRAIN}")
    rows = [json.loads(l) for l in FOLIO_TRAIN.read_text(encoding="utf-8").splitlines() if l.strip()]
    row = next(r for r in rows if folio_split(r["story_id"]) == "dev")
    block = tuned.generate([problem_prompt(row["premises"], row["conclusion"])], max_new_tokens=400,
                           stop=("\n\n",), line_tokens=80)[0][0]
    lines = parse_completion(block, len(row["premises"]))
    assert all(line is not None for line in lines), block  # one formula per premise and the conclusion
    for text in lines:
        parse(text, "folio")  # raises (and fails the test) on text that does not read
