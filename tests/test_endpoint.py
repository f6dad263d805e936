"""The OpenAI-compatible endpoint back end against real HTTP servers on 127.0.0.1: concurrency,
retries, stop strings, the chat API, grammars in the body; and a server wrapping the embedded model."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest

from nsp.parse.backends import LINE, BackendError, Generator, cut, prompt_seed
from nsp.errors import BadInput
from nsp.parse.endpoint import EndpointBackend, request_seed, retry_after
from tests.model_server import LoopbackServer, ModelServer, QuietHandler, choices
from tests.test_backends import CannedServer


class ScriptedServer(LoopbackServer):
    """A real HTTP server on 127.0.0.1 whose answer to each request is scripted.

    ``script(body, count) -> (status, headers, texts)``: ``count`` is how many requests this
    prompt has had before (0 for the first); ``texts`` become the choices (repeated up to ``n``).
    ``ignore_n``: one choice whatever ``n`` asks (some servers do).
    ``delay``: seconds each handler sleeps first. Kept: every body in ``requests``, the most
    requests ever in flight at once in ``max_in_flight``.
    """

    def __init__(self, script, delay: float = 0.0, ignore_n: bool = False):
        self.script, self.delay, self.ignore_n = script, delay, ignore_n
        self.requests: list[dict] = []
        self.counts: dict[str, int] = {}
        self.in_flight = self.max_in_flight = 0
        self.lock = threading.Lock()
        outer = self

        class Handler(QuietHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                prompt = body["messages"][-1]["content"] if "messages" in body else body["prompt"]
                with outer.lock:
                    outer.requests.append({"path": self.path, **body})
                    count = outer.counts.get(prompt, 0)
                    outer.counts[prompt] = count + 1
                    outer.in_flight += 1
                    outer.max_in_flight = max(outer.max_in_flight, outer.in_flight)
                try:
                    time.sleep(outer.delay)
                    status, headers, texts = outer.script(body, count)
                finally:
                    with outer.lock:
                        outer.in_flight -= 1
                if status != 200:
                    data = b"scripted failure"
                else:
                    n = 1 if outer.ignore_n else body.get("n", 1)
                    texts = [texts[i % len(texts)] for i in range(n)] if texts else []
                    listed = choices(texts, chat="messages" in body)
                    data = json.dumps({"choices": listed[::-1]}).encode()  # out of order: index decides
                self.send(status, data, headers, json_body=False)

        self._serve(Handler, poll=0.02)



def echo(body, count):
    """200 with the prompt's last word as the completion."""
    prompt = body["messages"][-1]["content"] if "messages" in body else body["prompt"]
    return 200, {}, [f"P({prompt.split()[-1]})"]


FAST = dict(backoff=0.01, timeout=5.0)


def test_requests_run_concurrently_and_results_keep_prompt_order():
    prompts = [f"English: item {i}" for i in range(12)]
    with ScriptedServer(echo, delay=0.15) as srv:
        gen = EndpointBackend(srv.url, concurrency=4, **FAST)
        start = time.monotonic()
        out = gen.generate(prompts, n=2, temperature=0.5, seed=7)
        took = time.monotonic() - start
    assert out == [[f"P({i})"] * 2 for i in range(12)]
    assert 2 <= srv.max_in_flight <= 4 and EndpointBackend(srv.url).concurrency == 8  # the default: 8
    assert took < 12 * 0.15  # not one after another
    seeds = {r["prompt"]: r["seed"] for r in srv.requests}
    assert all(seeds[p] == prompt_seed(7, p) for p in prompts)  # seeds do not depend on scheduling


def test_429_once_with_retry_after_then_success():
    def script(body, count):
        return (429, {"Retry-After": "0"}, []) if count == 0 else (200, {}, ["Dog(rex)"])

    with ScriptedServer(script) as srv:
        out = EndpointBackend(srv.url, backoff=30.0).generate(["x"])  # Retry-After: 0 wins over the backoff
    assert out == [["Dog(rex)"]] and len(srv.requests) == 2
    assert srv.requests[0]["seed"] == srv.requests[1]["seed"]  # a retry is the same request


def test_503_twice_then_success():
    with ScriptedServer(lambda b, c: (503, {}, []) if c < 2 else (200, {}, ["Q(a)"])) as srv:
        out = EndpointBackend(srv.url, **FAST).generate(["x", "y"], n=2)
    assert out == [["Q(a)", "Q(a)"]] * 2 and len(srv.requests) == 6


def test_always_500_gives_up_after_bounded_attempts():
    with ScriptedServer(lambda b, c: (500, {}, [])) as srv:
        with pytest.raises(BackendError, match=r"gave up after 3 attempts.*HTTP 500") as e:
            EndpointBackend(srv.url, retries=2, **FAST).generate(["x"])
    assert len(srv.requests) == 3 and srv.url in str(e.value) and "\n" not in str(e.value)


def test_total_wait_is_capped():
    with ScriptedServer(lambda b, c: (503, {}, [])) as srv:
        with pytest.raises(BackendError, match=r"gave up after \d+ attempts \((0\.[3-9]|1\.0) s waiting\).*HTTP 503"):
            EndpointBackend(srv.url, retries=50, backoff=0.05, max_wait=0.3).generate(["x"])
    assert 2 < len(srv.requests) < 50  # backed off until 0.3 s of waiting were spent, not 50 times


def test_a_retry_after_beyond_the_wait_left_ends_the_request_at_once():
    with ScriptedServer(lambda b, c: (503, {"Retry-After": "100"}, [])) as srv:
        with pytest.raises(BackendError, match=r"gave up after 1 attempt \(0\.0 s waiting\).*HTTP 503.*"
                                               r"retry after 100\.0 s; 0\.3 s of max_wait left"):
            EndpointBackend(srv.url, retries=10, max_wait=0.3, **FAST).generate(["x"])
    assert len(srv.requests) == 1  # not retried 100 s sooner than asked


def test_400_fails_at_once():
    with ScriptedServer(lambda b, c: (400, {}, [])) as srv:
        with pytest.raises(BackendError, match="HTTP 400"):
            EndpointBackend(srv.url, **FAST).generate(["x"])
    assert len(srv.requests) == 1


def test_timeout_is_retried_then_fails():
    with ScriptedServer(echo, delay=0.6) as srv:
        with pytest.raises(BackendError, match=r"cannot reach .*gave up after 2 attempts.*Timeout"):
            EndpointBackend(srv.url, retries=1, backoff=0.01, timeout=0.2).generate(["x"])
        time.sleep(0.5)  # let the handlers finish before the server closes
    assert len(srv.requests) == 2


class TricklingServer(LoopbackServer):
    """Answers 200 with a valid body, one byte every ``pause`` seconds: each read is quick, the
    whole answer is not."""

    def __init__(self, pause: float):
        self.requests = 0
        outer = self

        class Handler(QuietHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests += 1
                data = json.dumps({"choices": choices(["P(a)"], chat=False)}).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                for i in range(len(data)):
                    self.wfile.write(data[i:i + 1])
                    self.wfile.flush()
                    time.sleep(pause)

        self._serve(Handler, poll=0.02)


def test_the_timeout_bounds_the_whole_request_not_each_read():
    """httpx's timeouts bound each read; a server that trickles its answer byte by byte would
    hold a request for as long as it likes. The back end's timeout bounds the whole request."""
    with TricklingServer(pause=0.02) as srv:
        # each byte comes 0.02 s after the last (well inside httpx's 0.3 s read timeout), the whole answer after ~1.4 s
        with pytest.raises(BackendError, match=r"cannot reach .*gave up after 2 attempts.*no complete answer within 0.3 s"):
            EndpointBackend(srv.url, retries=1, backoff=0.01, timeout=0.3).generate(["x"])
        assert srv.requests == 2
        assert EndpointBackend(srv.url, retries=0, timeout=30).generate(["x"]) == [["P(a)"]]


def test_connection_refused_is_retried_then_fails():
    with ScriptedServer(echo) as srv:
        url = srv.url
    with pytest.raises(BackendError, match="cannot reach .*gave up after 3 attempts"):
        EndpointBackend(url, retries=2, **FAST).generate(["x"])


def test_one_failure_stops_the_batch():
    with ScriptedServer(lambda b, c: (400, {}, []) if b["prompt"] == "bad" else (200, {}, ["P(a)"])) as srv:
        with pytest.raises(BackendError, match="HTTP 400"):
            EndpointBackend(srv.url, **FAST).generate(["a", "bad", "c"])


def test_stop_strings_pass_through_and_cut_multiline_completions():
    block = "Dog(rex)\nAnimal(rex)\n\nEnglish: next problem"
    with ScriptedServer(lambda b, c: (200, {}, [block])) as srv:
        gen = EndpointBackend(srv.url, **FAST)
        assert gen.generate(["x"], stop=("\n\n",)) == [["Dog(rex)\nAnimal(rex)"]]
        assert gen.generate(["x"]) == [["Dog(rex)"]]  # the default: one line
    assert srv.requests[0]["stop"] == ["\n\n"] and srv.requests[1]["stop"] == ["\n"]


def test_chat_api_sends_one_user_message():
    with ScriptedServer(lambda b, c: (200, {}, ["Animal(rex)\nmore"])) as srv:
        out = EndpointBackend(srv.url + "/v1/", api="chat", model="m", **FAST).generate(["translate"], n=2)
    assert out == [["Animal(rex)", "Animal(rex)"]]
    r = srv.requests[0]
    assert r["path"] == "/v1/chat/completions" and r["model"] == "m"
    assert r["messages"] == [{"role": "user", "content": "translate"}] and "prompt" not in r


@pytest.mark.parametrize("style, key, value", [
    ("vllm", "structured_outputs", lambda g: {"grammar": g}),
    ("vllm-guided", "guided_grammar", lambda g: g),
    ("llama.cpp", "grammar", lambda g: g),
])
def test_grammar_goes_in_the_body(style, key, value):
    grammar = 'root ::= "P(" [a-z]+ ")"'
    with ScriptedServer(echo) as srv:
        gen = EndpointBackend(srv.url, grammar=grammar, grammar_style=style, **FAST)
        gen.generate(["x"])
        EndpointBackend(srv.url, api="chat", grammar=grammar, grammar_style=style, **FAST).generate(["x"])
    assert all(r[key] == value(grammar) for r in srv.requests) and gen.name.endswith(f"+grammar({style})")
    with pytest.raises(ValueError):
        EndpointBackend("http://127.0.0.1:9", grammar=grammar, grammar_style="tgi")


def test_server_that_ignores_n_is_asked_again_boundedly():
    with ScriptedServer(lambda b, c: (200, {}, ["P(a)"]), ignore_n=True) as srv:
        assert EndpointBackend(srv.url, **FAST).generate(["x"], n=3) == [["P(a)"] * 3]
    assert [r["n"] for r in srv.requests] == [3, 2, 1]
    with ScriptedServer(lambda b, c: (200, {}, [])) as srv:
        with pytest.raises(BackendError, match="returned 0 of 2 completions"):
            EndpointBackend(srv.url, **FAST).generate(["x"], n=2)
    assert len(srv.requests) == 3  # n + 1 requests at most


def test_max_n_splits_a_prompts_samples_over_concurrent_requests():
    with ScriptedServer(lambda b, c: (200, {}, ["P(a)"]), delay=0.1) as srv:
        gen = EndpointBackend(srv.url, max_n=1, **FAST)  # as llama.cpp's server needs: one choice per request
        assert gen.generate(["x", "y"], n=3, temperature=1.0, seed=2) == [["P(a)"] * 3] * 2
    assert len(srv.requests) == 6 and all(r["n"] == 1 for r in srv.requests) and srv.max_in_flight >= 2
    assert sorted(r["seed"] for r in srv.requests if r["prompt"] == "x") == sorted(request_seed(2, a, "x")
                                                                                  for a in range(3))


def test_split_requests_of_adjacent_seeds_share_no_seed():
    """One choice per request (llama.cpp): the requests of seed 0 and of seed 1 (another run, or
    the next repair round's redraw of the same line) must not repeat each other's seeds, or a
    seeded server answers them with the same samples."""
    with ScriptedServer(lambda b, c: (200, {}, [f"P(s{b['seed']})"])) as srv:
        gen = EndpointBackend(srv.url, max_n=1, **FAST)
        first = gen.generate(["x"], n=3, temperature=1.0, seed=0)[0]
        second = gen.generate(["x"], n=3, temperature=1.0, seed=1)[0]
    assert len(set(first) | set(second)) == 6
    assert first[0] == f"P(s{prompt_seed(0, 'x')})"  # request 0 keeps the per-prompt seed


def test_a_failure_is_raised_at_once_while_an_earlier_request_is_still_retried():
    def script(body, count):
        return (400, {}, []) if body["prompt"] == "bad" else (503, {"Retry-After": "1"}, [])

    with ScriptedServer(script) as srv:
        with pytest.raises(BackendError, match="HTTP 400"):  # not "slow"'s 503, after its retries
            EndpointBackend(srv.url, retries=10, max_wait=5.0, **FAST).generate(["slow", "bad"])
    assert srv.counts.get("slow", 0) <= 1  # its retry (1 s away) was called off when "bad" failed


def test_a_request_in_flight_does_not_hold_up_exit_after_ctrl_c():
    """Ctrl-C while requests are in flight: the process exits now, not when the server answers."""
    import subprocess
    import sys

    child = (
        "import os, signal, sys, threading\n"
        "from nsp.parse.endpoint import EndpointBackend\n"
        "threading.Timer(2.0, os.kill, (os.getpid(), signal.SIGINT)).start()\n"
        "try:\n"
        "    EndpointBackend(sys.argv[1], timeout=30).generate(['a', 'b'])\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted', flush=True)\n"
    )
    with ScriptedServer(echo, delay=60.0) as srv:
        r = subprocess.run([sys.executable, "-c", child, srv.url], capture_output=True, text=True, timeout=120)
        still_answering = srv.in_flight  # the server has not answered yet: the child left before it
    assert r.stdout.strip() == "interrupted", r.stderr
    assert r.returncode == 0 and still_answering >= 1


@pytest.mark.parametrize("url", ["http://127.0.0.1:port", "127.0.0.1:8000", "localhost:8000"])
def test_a_url_that_is_not_http_is_an_input_error_at_once(url):
    with pytest.raises(BadInput, match="endpoint URL"):
        EndpointBackend(url, **FAST)


def test_a_llama_cpp_grammar_asks_one_choice_per_request():
    with ScriptedServer(echo) as srv:
        gen = EndpointBackend(srv.url, grammar_style="llama.cpp", formulas=True, **FAST)
        assert gen.generate(["English: a"], n=3, temperature=0.7) == [["P(a)"] * 3]
        assert [r["n"] for r in srv.requests] == [1, 1, 1] and all("grammar" in r for r in srv.requests)
        assert EndpointBackend(srv.url, grammar_style="llama.cpp", formulas=True, max_n=2).max_n == 2


def test_a_null_completion_text_is_an_empty_completion():
    with CannedServer(lambda p: [None]) as srv:
        assert EndpointBackend(srv.url, **FAST).generate(["English: x"], n=2) == [["", ""]]


def test_retry_after_header_forms():
    assert retry_after("2") == 2.0 and retry_after(None) is None and retry_after("soon") is None
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # a date in the past


# ---------------------------------------------------------------- a real OpenAI-compatible server around a model


class Echo(Generator):
    """A stand-in model: completes a prompt with its reversal, plus the sample's number."""

    def generate(self, prompts, n=1, temperature=0.0, seed=0, max_new_tokens=96, stop=LINE, line_tokens=None):
        return [[cut(f"{p[::-1]} {i}\nnext", stop) for i in range(n)] for p in prompts]


def test_model_server_speaks_the_api_the_backend_uses():
    with ModelServer(Echo()) as srv:
        out = EndpointBackend(srv.url, **FAST).generate(["ab", "cd"], n=2, stop=("\nnext",))
        chat = EndpointBackend(srv.url, api="chat", **FAST).generate(["xy"])
        models = httpx.get(srv.url + "/v1/models").json()
        missing = httpx.post(srv.url + "/v1/embeddings", json={}).status_code
    assert out == [["ba 0", "ba 1"], ["dc 0", "dc 1"]] and chat == [["yx 0"]]
    assert models["data"][0]["id"] == "nsp-test" and missing == 404


@pytest.fixture(scope="module")
def embedded():
    """The real embedded SmolLM2-135M (converted once into ~/.cache/nsp), offline."""
    pytest.importorskip("torch", reason="the model back end needs torch")
    pytest.importorskip("transformers", reason="the model back end needs transformers")
    from nsp.parse.backends import TransformersBackend, embedded_gguf

    try:
        embedded_gguf()
    except BackendError as e:
        pytest.skip(str(e))
    return TransformersBackend("embedded")


def test_endpoint_through_a_server_around_the_embedded_model(embedded):
    """EndpointBackend → HTTP → the embedded model gives what the model gives directly (greedy),
    and a server that answers 429 once costs one retry, not the run."""
    prompts = ["English: All dogs are animals.\nFOL: ∀x (Dog(x) → Animal(x))\n\nEnglish: Rex is a dog.\nFOL:",
               "English: Tom is a cat.\nFOL:"]
    direct = embedded.generate(prompts, n=1, temperature=0.0, max_new_tokens=10)
    with ModelServer(embedded) as srv:
        via = EndpointBackend(srv.url, concurrency=2, **FAST).generate(prompts, n=1, temperature=0.0,
                                                                       max_new_tokens=10)
    assert via == direct and direct[0][0].strip()
    with ModelServer(embedded, reject=lambda count, body: 429 if count == 0 else None) as srv:
        again = EndpointBackend(srv.url, backoff=30.0).generate(prompts[:1], n=1, temperature=0.0, max_new_tokens=10)
    assert again == direct[:1] and len(srv.requests) == 2


def test_server_grammars_are_nsps_formula_grammars_in_gbnf():
    """The GBNF sent to a server compiles (llguidance reads GBNF as llama.cpp does) and accepts
    what the local grammar accepts: formulas for a line, numbered formula lines for a block."""
    llguidance = pytest.importorskip("llguidance", reason="checking a GBNF grammar needs nsp[grammar]")
    from llguidance.gbnf_to_lark import gbnf_to_lark
    from llguidance.hf import from_tokenizer
    from transformers import AutoTokenizer

    from nsp.parse.backends import converted_dir, embedded_gguf
    from nsp.parse.constrain import BLOCK_GBNF, FOL_GBNF

    tok = AutoTokenizer.from_pretrained(str(converted_dir(embedded_gguf())))
    ll = from_tokenizer(tok)

    def accepts(gbnf: str, text: str) -> bool:
        lark = gbnf_to_lark(gbnf).replace('"\n"', '"\\n"')  # llguidance 1.9's converter unescapes "\n" in strings
        m = llguidance.LLMatcher(ll, llguidance.LLMatcher.grammar_from_lark(lark))
        ok = all(m.consume_token(t) for t in tok.encode(text, add_special_tokens=False))
        return ok and not m.is_error() and m.is_accepting()

    assert accepts(FOL_GBNF, " ∀x (Dog(x) → ¬Plant(x))\n") and accepts(FOL_GBNF, "Likes(rex, f(tom)) ⊕ a = b\n")
    assert not accepts(FOL_GBNF, "Dog(x) →\n") and not accepts(FOL_GBNF, "Rex is a dog.\n")
    assert accepts(BLOCK_GBNF, "1. ∀x (Dog(x) → Animal(x))\n2. Dog(rex)\nC. Animal(rex)\n\n")
    assert not accepts(BLOCK_GBNF, "1. Dog(rex\n\n")


def test_cli_server_grammar_sends_a_line_or_a_block_grammar_per_request(tmp_path):
    """`nsp check --endpoint URL --server-grammar llama.cpp --max-n 1 --concurrency 2`: the whole-problem
    request carries the block grammar, the vocabulary repair's one-line requests the formula grammar,
    one choice per request."""
    from click.testing import CliRunner

    from nsp.cli import main
    from nsp.parse.constrain import BLOCK_GBNF, FOL_GBNF

    problem = tmp_path / "p.txt"
    problem.write_text("Rex chases every squirrel that he sees in the park.\nSam is a squirrel.\n---\nRex chases Sam.\n",
                       encoding="utf-8")

    def answer(prompt):
        return [" Hunts(rex, sam)"] if prompt.endswith("\nC.") else ["1. ∀x (Squirrel(x) → Hunts(rex, x))\n"]

    with CannedServer(answer) as srv:
        r = CliRunner().invoke(main, ["check", str(problem), "--endpoint", srv.url, "--server-grammar", "llama.cpp",
                                      "--max-n", "1", "--concurrency", "2", "--vocabulary-repair", "3"])
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("True")
    first, *redraws = srv.requests
    assert first["grammar"] == BLOCK_GBNF and first["n"] == 1
    assert len(redraws) == 3 and all(q["grammar"] == FOL_GBNF and q["n"] == 1 for q in redraws)
    bad = CliRunner().invoke(main, ["check", str(problem), "--server-grammar", "vllm"])
    assert bad.exit_code == 2 and "only go with --endpoint" in bad.output
