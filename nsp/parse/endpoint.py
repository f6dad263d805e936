"""The OpenAI-compatible HTTP back end (vLLM, llama.cpp server, any ``/v1/completions`` or
``/v1/chat/completions``): :class:`EndpointBackend`."""

from __future__ import annotations

import os

from nsp.parse.backends import LINE, BackendError, Generator, cut, prompt_seed


class EndpointBackend(Generator):
    """An OpenAI-compatible server. ``url``: its base (``http://host:port`` or ``.../v1``).

    ``api``: ``completions`` (prompt in, text out) or ``chat`` (the prompt as one user message).
    The bearer token, if the server needs one, is read from ``NSP_ENDPOINT_KEY``.
    """

    def __init__(self, url: str, model: str | None = None, api: str = "completions", timeout: float = 120.0):
        try:
            import httpx
        except ImportError:
            raise BackendError("the endpoint back end needs httpx: pip install httpx") from None
        if api not in ("completions", "chat"):
            raise ValueError("api must be 'completions' or 'chat'")
        base = url.rstrip("/")
        if not base.endswith("/v1"):
            base += "/v1"
        self.url = base + ("/completions" if api == "completions" else "/chat/completions")
        self.api, self.model_name = api, model
        headers = {}
        if os.environ.get("NSP_ENDPOINT_KEY"):
            headers["Authorization"] = f"Bearer {os.environ['NSP_ENDPOINT_KEY']}"
        self.client = httpx.Client(timeout=timeout, headers=headers)
        self._httpx = httpx
        self.name = f"endpoint:{url}" + (f" ({model})" if model else "")

    def generate(self, prompts, n=1, temperature=0.0, seed=0, max_new_tokens=96, stop=LINE):
        out = []
        for p in prompts:
            samples: list[str] = []
            for attempt in range(n + 1):  # a server that ignores n is asked again, boundedly
                if len(samples) >= n:
                    break
                samples.extend(self._ask(p, n - len(samples), temperature, prompt_seed(seed + attempt, p), max_new_tokens,
                                         tuple(stop)))
            if len(samples) < n:
                raise BackendError(f"{self.url} returned {len(samples)} of {n} completions")
            out.append(samples[:n])
        return out

    def _ask(self, prompt: str, n: int, temperature: float, seed: int, max_new_tokens: int,
             stop: tuple[str, ...] = LINE) -> list[str]:
        body = {"n": n, "temperature": temperature, "seed": seed, "max_tokens": max_new_tokens, "stop": list(stop)}
        if self.model_name:
            body["model"] = self.model_name
        if self.api == "chat":
            body["messages"] = [{"role": "user", "content": prompt}]
        else:
            body["prompt"] = prompt
        try:
            r = self.client.post(self.url, json=body)
        except self._httpx.HTTPError as e:
            raise BackendError(f"cannot reach {self.url}: {e}") from None
        if r.status_code != 200:
            raise BackendError(f"{self.url} answered HTTP {r.status_code}: {r.text[:200]}")
        try:
            choices = sorted(r.json()["choices"], key=lambda c: c.get("index", 0))
            if self.api == "chat":
                texts = [c["message"]["content"] or "" for c in choices]
            else:
                texts = [c["text"] for c in choices]
        except (ValueError, KeyError, TypeError) as e:
            raise BackendError(f"{self.url} returned an unexpected body ({e!r}): {r.text[:200]}") from None
        return [cut(t, stop) for t in texts]
