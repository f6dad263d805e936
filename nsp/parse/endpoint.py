"""The OpenAI-compatible HTTP back end (vLLM, llama.cpp server, any ``/v1/completions`` or
``/v1/chat/completions``): :class:`EndpointBackend`.

Requests run concurrently (``concurrency`` in flight, one ``httpx.Client`` shared by a thread
pool); results come back in prompt order and each request's seed depends only on its prompt and
its place among that prompt's requests, never on scheduling. A request answered HTTP 429, 5xx or
408, or lost to a connection error or a timeout (``timeout`` bounds the whole request, from connecting
to its last byte, so a server that trickles its answer times out too), is retried with exponential backoff (jitter from
an RNG seeded by the request's seed; a ``Retry-After`` header wins), boundedly; other 4xx fail at
once. Failures raise :class:`BackendError` with a one-line message.
"""

from __future__ import annotations

import email.utils
import json
import os
import queue
import random
import threading
import time
from typing import Sequence

from nsp.errors import BadInput
from nsp.parse.backends import LINE, BackendError, Generator, cut, prompt_seed

# How each server takes a grammar (GBNF / Lark-style text) in the request body.
GRAMMAR_STYLES = {
    "vllm": lambda g: {"structured_outputs": {"grammar": g}},  # vLLM >= 0.10.2 (the only form from 0.12)
    "vllm-guided": lambda g: {"guided_grammar": g},  # vLLM < 0.12 (deprecated in 0.10.2, removed in 0.12)
    "llama.cpp": lambda g: {"grammar": g},  # llama-server (GBNF), /v1/completions and /v1/chat/completions
}


def retry_after(value: str | None) -> float | None:
    """Seconds a ``Retry-After`` header asks for (delta-seconds or an HTTP date); ``None`` if absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class EndpointBackend(Generator):
    """An OpenAI-compatible server. ``url``: its base (``http://host:port`` or ``.../v1``).

    ``api``: ``completions`` (prompt in, text out) or ``chat`` (the prompt as one user message).
    ``concurrency``: requests in flight. ``retries``: extra attempts per request after a
    retryable failure, waiting ``backoff * 2**i`` s (times a jitter in [0.5, 1)), or what
    ``Retry-After`` says, at most ``max_wait`` s in all per request (a ``Retry-After`` beyond
    what is left of it ends the request at once: an earlier retry would be refused again). ``max_n``: choices one
    request may ask for (llama.cpp's server takes only ``n = 1``: the default when a grammar goes
    in llama.cpp's style); more are asked for in further requests. ``grammar``: a grammar text the server constrains decoding with, sent as
    ``grammar_style`` says (:data:`GRAMMAR_STYLES`); ``formulas``: nsp's own formula grammars
    instead (GBNF, :mod:`nsp.parse.constrain`: one formula for a one-line request, numbered
    formula lines for a whole-problem block). The bearer token, if the server needs one, is read
    from ``NSP_ENDPOINT_KEY``.
    """

    def __init__(self, url: str, model: str | None = None, api: str = "completions", timeout: float = 120.0,
                 concurrency: int = 8, retries: int = 4, backoff: float = 0.5, max_wait: float = 30.0,
                 max_n: int | None = None, grammar: str | None = None, grammar_style: str = "vllm",
                 formulas: bool = False):
        try:
            import httpx
        except ImportError:
            raise BackendError("the endpoint back end needs httpx: pip install httpx") from None
        if api not in ("completions", "chat"):
            raise ValueError("api must be 'completions' or 'chat'")
        if grammar_style not in GRAMMAR_STYLES:
            raise ValueError(f"grammar_style must be one of {', '.join(GRAMMAR_STYLES)}")
        if grammar is not None and formulas:
            raise ValueError("give a grammar text or ask for nsp's formula grammars, not both")
        if concurrency < 1 or retries < 0 or (max_n is not None and max_n < 1):
            raise ValueError("concurrency and max_n must be at least 1, retries at least 0")
        base = url.rstrip("/")
        if not base.endswith("/v1"):
            base += "/v1"
        self.url = base + ("/completions" if api == "completions" else "/chat/completions")
        try:
            scheme = httpx.URL(self.url).scheme
        except httpx.InvalidURL as e:  # not an httpx.HTTPError: it would escape _ask as a traceback
            raise BadInput(f"endpoint URL {url!r}: {e}") from None
        if scheme not in ("http", "https"):  # else: retried as unreachable, then a late error
            raise BadInput(f"endpoint URL {url!r}: not an http:// or https:// URL")
        if max_n is None and grammar_style == "llama.cpp" and (grammar is not None or formulas):
            max_n = 1  # llama-server answers n > 1 with HTTP 500 ("Only one completion choice is allowed")
        self.api, self.model_name, self.timeout = api, model, timeout
        self.concurrency, self.retries, self.backoff, self.max_wait = concurrency, retries, backoff, max_wait
        self.max_n, self.grammar, self.grammar_style, self.formulas = max_n, grammar, grammar_style, formulas
        headers = {}
        if os.environ.get("NSP_ENDPOINT_KEY"):
            headers["Authorization"] = f"Bearer {os.environ['NSP_ENDPOINT_KEY']}"
        self.client = httpx.Client(timeout=timeout, headers=headers,
                                   limits=httpx.Limits(max_connections=concurrency,
                                                       max_keepalive_connections=concurrency))
        self._httpx = httpx
        self.name = f"endpoint:{url}" + (f" ({model})" if model else "") + (f" +grammar({grammar_style})"
                                                                             if grammar or formulas else "")

    def close(self) -> None:
        self.client.close()

    def generate(self, prompts, n=1, temperature=0.0, seed=0, max_new_tokens=96, stop=LINE, line_tokens=None):
        prompts, stop = list(prompts), tuple(stop)
        got: list[list[str]] = [[] for _ in prompts]
        asked = [0] * len(prompts)  # requests made per prompt: request a has seed request_seed(seed, a, prompt)
        cap = self.max_n or max(n, 1)
        while True:  # a server that returns fewer choices than asked is asked again, at most n + 1 requests
            jobs = []
            for i in range(len(prompts)):
                missing = n - len(got[i])
                while missing > 0 and asked[i] <= n:
                    jobs.append((i, asked[i], min(cap, missing)))
                    asked[i] += 1
                    missing -= jobs[-1][2]
            if not jobs:
                break

            def ask(job, abort):
                i, a, k = job
                return self._ask(prompts[i], k, temperature, request_seed(seed, a, prompts[i]), max_new_tokens, stop,
                                 abort)

            for (i, _, k), texts in zip(jobs, self._map(ask, jobs)):
                got[i].extend(texts[:k])
        for samples in got:
            if len(samples) < n:
                raise BackendError(f"{self.url} returned {len(samples)} of {n} completions")
        return got

    def _map(self, fn, jobs: list) -> list:
        """``fn(job, abort)`` for every job, ``concurrency`` at a time, results in job order; the
        first failure (in time, not in job order) is raised at once and stops the others' retries.
        The workers are daemon threads: a request still in flight after a failure or Ctrl-C does
        not keep the process from exiting (it ends within ``timeout`` if the process goes on)."""
        abort = threading.Event()
        if len(jobs) <= 1 or self.concurrency == 1:
            return [fn(j, abort) for j in jobs]
        todo, lock = iter(range(len(jobs))), threading.Lock()
        done: queue.Queue = queue.Queue()  # (job index, result, exception) as each job ends

        def work():
            while not abort.is_set():
                with lock:
                    k = next(todo, None)
                if k is None:
                    return
                try:
                    done.put((k, fn(jobs[k], abort), None))
                except BaseException as e:  # noqa: BLE001 - handed to the caller's thread
                    done.put((k, None, e))
                    return

        for w in range(min(self.concurrency, len(jobs))):
            threading.Thread(target=work, name=f"nsp-endpoint-{w}", daemon=True).start()
        out: list = [None] * len(jobs)
        try:
            for _ in jobs:
                k, result, error = done.get()
                if error is not None:
                    raise error
                out[k] = result
        except BaseException:
            abort.set()
            raise
        return out

    def body(self, prompt: str, n: int, temperature: float, seed: int, max_new_tokens: int,
             stop: Sequence[str] = LINE) -> dict:
        """The JSON body of one request."""
        body = {"n": n, "temperature": temperature, "seed": seed, "max_tokens": max_new_tokens, "stop": list(stop)}
        if self.model_name:
            body["model"] = self.model_name
        if self.api == "chat":
            body["messages"] = [{"role": "user", "content": prompt}]
        else:
            body["prompt"] = prompt
        grammar = self.grammar
        if self.formulas:
            from nsp.parse.constrain import BLOCK_GBNF, FOL_GBNF

            grammar = FOL_GBNF if tuple(stop) == LINE else BLOCK_GBNF
        if grammar is not None:
            body.update(GRAMMAR_STYLES[self.grammar_style](grammar))
        return body

    def _ask(self, prompt: str, n: int, temperature: float, seed: int, max_new_tokens: int,
             stop: tuple[str, ...], abort: threading.Event) -> list[str]:
        body = self.body(prompt, n, temperature, seed, max_new_tokens, stop)
        rng = random.Random(seed)
        waited, attempts, last, reached = 0.0, 0, "", True
        while True:
            attempts += 1
            wait, told = None, False  # told: the server said how long (Retry-After)
            try:
                status, headers, content = self._post(body)
            except self._httpx.TransportError as e:  # connection errors and timeouts
                last, reached = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__, False
            except self._httpx.HTTPError as e:  # e.g. a body that does not decode: not worth a retry
                raise BackendError(f"{self.url}: {type(e).__name__}: {e}") from None
            else:
                if status == 200:
                    return self._texts(content, stop)
                last, reached = f"HTTP {status}: {_one_line(_text(content))}", True
                if status < 500 and status not in (408, 429):
                    raise BackendError(f"{self.url} answered {last}")
                wait = retry_after(headers.get("Retry-After"))
                told = wait is not None
            if wait is None:
                wait = self.backoff * 2 ** (attempts - 1) * (0.5 + rng.random() / 2)
            budget = self.max_wait - waited
            if attempts > self.retries or (wait > 0 and budget <= 0):
                break
            if told and wait > budget:  # sooner than the server asked would only be refused again
                last += f" (it asks to retry after {wait:.1f} s; {budget:.1f} s of max_wait left)"
                break
            wait = min(wait, budget)
            if abort.wait(wait):
                raise BackendError(f"{self.url}: aborted (another request failed)")
            waited += wait
        where = self.url if reached else f"cannot reach {self.url}"
        raise BackendError(f"{where}: gave up after {attempts} attempt{'s' * (attempts > 1)}"
                           f" ({waited:.1f} s waiting); last: {last}")

    def _post(self, body: dict):
        """``(status, headers, content)`` of one POST. ``timeout`` bounds the whole request, not
        only each phase as httpx's timeouts do: past it, the answer read so far is dropped and the
        request ends as a timeout (``httpx.ReadTimeout``), to be retried like one."""
        deadline = time.monotonic() + self.timeout
        with self.client.stream("POST", self.url, json=body) as r:
            chunks = []
            for chunk in r.iter_bytes():
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    break
            if time.monotonic() > deadline:
                raise self._httpx.ReadTimeout(f"no complete answer within {self.timeout:g} s", request=r.request)
            return r.status_code, r.headers, b"".join(chunks)

    def _texts(self, content: bytes, stop: tuple[str, ...]) -> list[str]:
        try:
            choices = sorted(json.loads(content)["choices"], key=lambda c: c.get("index", 0))
            if self.api == "chat":
                texts = [c["message"]["content"] or "" for c in choices]
            else:
                texts = [c["text"] or "" for c in choices]  # null text: an empty completion
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise BackendError(f"{self.url} returned an unexpected body ({e!r}): {_one_line(_text(content))}") from None
        return [cut(t, stop) for t in texts]  # some servers ignore "stop"


def request_seed(seed: int, a: int, prompt: str) -> int:
    """The seed of a prompt's request ``a`` (0, 1, ...) in a call with ``seed``: request 0 has
    :func:`prompt_seed`; later ones are hashed with their number, so the requests of ``seed`` and
    of ``seed + 1`` (a new run, a repair round) share no seed, as ``prompt_seed(seed + a)`` would."""
    return prompt_seed(seed, prompt if a == 0 else f"{prompt}\x00{a}")


def _text(content: bytes) -> str:
    return content.decode("utf-8", "replace")


def _one_line(text: str, limit: int = 200) -> str:
    return " ".join(text.split())[:limit]
