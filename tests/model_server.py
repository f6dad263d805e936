"""A tiny OpenAI-compatible server (standard library only) around any :class:`Generator`, for tests.

``ModelServer(generator)`` answers ``POST /v1/completions`` and ``POST /v1/chat/completions``
(``prompt`` or ``messages``, ``n``, ``temperature``, ``seed``, ``max_tokens``, ``stop``) and
``GET /v1/models`` on 127.0.0.1 at a free port. The generator runs one request at a time.
``reject(count, body) -> status | None``: answer that status instead (with ``Retry-After: 0``),
``count`` being the number of requests before this one. Every request body is kept in ``requests``.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NEVER = ("\x00",)  # the stop of a request that names none: generate up to max_tokens


def choices(texts, chat: bool, **extra) -> list[dict]:
    """OpenAI-style ``choices`` for completion texts (chat messages or plain text)."""
    if chat:
        return [{"index": i, "message": {"role": "assistant", "content": t}, **extra} for i, t in enumerate(texts)]
    return [{"index": i, "text": t, **extra} for i, t in enumerate(texts)]


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that logs nothing and answers with :meth:`send`."""

    def send(self, status: int, data: bytes, headers=None, json_body: bool = True) -> None:
        self.send_response(status)
        if json_body:
            self.send_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class LoopbackServer:
    """A threading HTTP server on 127.0.0.1 at a free port, serving for a ``with`` block; subclasses
    call :meth:`_serve` with their request handler class."""

    def _serve(self, handler, poll: float = 0.05) -> None:
        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):  # a client that timed out and left
                pass

        self.httpd = Server(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(poll,), daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


class ModelServer(LoopbackServer):
    def __init__(self, generator, reject=None, model: str = "nsp-test"):
        self.generator, self.reject, self.model = generator, reject, model
        self.requests: list[dict] = []
        self.lock = threading.Lock()  # requests are handled concurrently, the generator one at a time
        self.count_lock = threading.Lock()
        outer = self

        class Handler(QuietHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                if self.path.rstrip("/") != "/v1/models":
                    return self.reply(404, {"error": {"message": f"no route {self.path}"}})
                self.reply(200, {"object": "list", "data": [{"id": outer.model, "object": "model"}]})

            def do_POST(self):  # noqa: N802
                try:
                    body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                except ValueError:
                    return self.reply(400, {"error": {"message": "the body is not JSON"}})
                with outer.count_lock:
                    count = len(outer.requests)
                    outer.requests.append({"path": self.path, **body})
                status = outer.reject(count, body) if outer.reject else None
                if status:
                    return self.reply(status, {"error": {"message": "rejected by the test"}}, {"Retry-After": "0"})
                chat = self.path.rstrip("/") == "/v1/chat/completions"
                if not chat and self.path.rstrip("/") != "/v1/completions":
                    return self.reply(404, {"error": {"message": f"no route {self.path}"}})
                try:
                    self.reply(200, outer.complete(body, chat))
                except (KeyError, TypeError, ValueError) as e:
                    self.reply(400, {"error": {"message": f"bad request: {e!r}"}})

            def reply(self, status, payload, headers=None):
                self.send(status, json.dumps(payload).encode(), headers)

        self._serve(Handler)

    def complete(self, body: dict, chat: bool) -> dict:
        """The response to one (chat) completion request."""
        if chat:
            prompt = self.chat_prompt(body["messages"])
        else:
            prompt = body["prompt"]
        prompts = [prompt] if isinstance(prompt, str) else list(prompt)
        stop = body.get("stop")
        stop = NEVER if not stop else (stop,) if isinstance(stop, str) else tuple(stop)
        n = int(body.get("n", 1))
        with self.lock:
            outs = self.generator.generate(prompts, n=n, temperature=float(body.get("temperature", 1.0)),
                                           seed=int(body.get("seed", 0)), max_new_tokens=int(body.get("max_tokens", 16)),
                                           stop=stop)
        texts = [t for row in outs for t in row]
        listed = choices(texts, chat, finish_reason="stop")
        return {"id": f"cmpl-{len(self.requests)}", "object": "chat.completion" if chat else "text_completion",
                "created": int(time.time()), "model": self.model, "choices": listed}

    def chat_prompt(self, messages: list[dict]) -> str:
        """The messages through the generator's chat template when it has one, else the last message."""
        tok = getattr(self.generator, "tokenizer", None)
        if tok is not None and getattr(tok, "chat_template", None):
            return tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        return messages[-1]["content"]
