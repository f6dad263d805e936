"""A local web server browsing a batch of graphs: ``nsp serve DIR_OR_FILE``.

The inputs are indexed once at start (:class:`nsp.html.load.BatchIndex`: byte offsets,
summaries, search texts; no graph kept); pages are rendered on demand, so a 100,000-graph JSONL
needs no pre-rendering. Routes (GET only; any other method: 405):

    /                   the index: ?q=words&rule=&role=&outcome=&dataset=&page=N, 50 rows a page,
                        searched and filtered on the server
    /proof/K            the page of entry K (0-based, input order), the same page as the static
                        site's, with previous / next links
    a path that is not UTF-8 once percent-decoded, or not HTTP at all: 400
    anything else       404

The server is a Starlette application on uvicorn (HTTP/1.1 by h11). Listen backlog, keep-alive
timeout, connection limit, header size limit and the bounded pool of threads that render pages
are those libraries' settings (the constants below), not code of ours, with one addition:
uvicorn has no deadline for receiving a request, so a connection that sends nothing (or
headers a byte at a time) is closed after :data:`REQUEST_S` by a small subclass of its h11
protocol (:func:`_deadline_protocol`). Pages are rendered in the thread pool, so a slow page or
any number of idle connections (each costs the event loop a socket, not a thread) do not stop
other requests being served.

A changed source is reloaded: before answering, the server compares every input file's
``stat`` (size, mtime, inode; one ``stat`` per file) with what it was at indexing and, if one
differs, indexes the inputs again. If they cannot be read now (a file half written, removed,
no longer JSON), the answer is 409 with a one-line message, and the next request tries again
once the files change once more.

It binds 127.0.0.1 unless told otherwise. Responses carry the pages' Content-Security-Policy
as a header too. Request lines are logged (unless ``quiet``) and errors always, to stderr, with
control and other non-printable characters written as escapes (``\\x1b``). The server only
reads its inputs.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Callable
from urllib.parse import unquote_to_bytes, urlencode

from nsp.html.load import BatchIndex, InputError, input_files
from nsp.html.render import Links, Row, asset, csp, esc, index_page, proof_page
from nsp.html.site import default_title

PER_PAGE = 50
FILTERS = ("q", "rule", "role", "outcome", "dataset")
CACHED_QUERIES = 32

# Server settings (uvicorn.Config / anyio), in one place.
BACKLOG = 2048            # listen(2) backlog (uvicorn's default; the kernel may cap it at somaxconn)
KEEP_ALIVE_S = 5          # an idle keep-alive connection is closed after this long
REQUEST_S = 10            # a request's line and headers must arrive within this long (else the connection is closed)
MAX_CONNECTIONS = 1000    # connections + requests in flight beyond this answer 503 (uvicorn limit_concurrency)
MAX_HEADER_BYTES = 16384  # request line + headers beyond this answer 400 (h11)
RENDER_THREADS = 8        # pages rendered at once (anyio's thread limiter; the rest wait their turn)
SHUTDOWN_S = 5            # requests in flight get this long to finish at shutdown


def printable(text: str) -> str:
    """``text`` with every non-printable character (C0/C1 controls such as ESC, format
    characters such as bidi overrides, line separators) and the backslash written as a Python
    escape, so that a log line is one line and sends no control sequence to a terminal."""
    if text.isprintable() and "\\" not in text:
        return text
    out = []
    for c in text:
        if c == "\\":
            out.append("\\\\")
        elif c.isprintable():
            out.append(c)
        else:
            o = ord(c)
            out.append(f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}" if o < 0x10000 else f"\\U{o:08x}")
    return "".join(out)


class Conflict(Exception):
    """The source changed and cannot be indexed now (answered 409)."""


def _stat(path: Path):
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino)


class _State:
    """One indexing of the inputs: the index, its facets, what the files looked like, a cache."""

    def __init__(self, index: BatchIndex, stamps: dict):
        self.index = index
        self.facets = index.facets()
        self.stamps = stamps
        self.cache: OrderedDict[tuple, list[int]] = OrderedDict()


class Browser:
    """The server's state: the index (reindexed when the inputs change) and a small cache of
    recent query results. Thread-safe."""

    def __init__(self, index: BatchIndex | None, title: str, paths=(), on_skip=None,
                 log: Callable[[str], None] | None = None):
        self.paths = [Path(p) for p in paths]
        self.title = title
        self._on_skip = on_skip
        self._log = _sink(log)
        self._lock = threading.Lock()         # the query cache
        self._reload_lock = threading.Lock()  # one reindexing at a time
        self._failed: tuple[dict, str] | None = None  # the stamps a reindexing failed on, and why
        stamps = self._stamps_before(self.paths)
        if index is None:
            index = BatchIndex(self.paths, on_skip)
        elif not self.paths:
            self.paths = list(index.files)
        for f in index.files:  # an index given, or a file that appeared during indexing
            stamps.setdefault(f, _stat(f))
        self._state = _State(index, stamps)

    @property
    def index(self) -> BatchIndex:
        return self._state.index

    @property
    def facets(self) -> dict:
        return self._state.facets

    # -------------------------------------------------------- noticing changes

    @staticmethod
    def _stamps_before(paths) -> dict:
        """Stats of the inputs and the files they stand for, taken *before* indexing (so a change
        during indexing shows as a change afterwards)."""
        stamps = {p: _stat(p) for p in paths}
        with contextlib.suppress(InputError, OSError):
            for f, _ in input_files(paths):
                stamps[f] = _stat(f)
        return stamps

    @staticmethod
    def _changed(state: _State) -> bool:
        return any(_stat(p) != s for p, s in state.stamps.items())

    def current(self) -> _State:
        """The state to answer from: reindexed first if an input changed. Raises
        :class:`Conflict` if the inputs changed and cannot be indexed now."""
        state = self._state
        if not self._changed(state):
            return state
        with self._reload_lock:
            state = self._state
            if not self._changed(state):  # another request reindexed meanwhile
                return state
            stamps = self._stamps_before(self.paths)
            if self._failed is not None and self._failed[0] == stamps:
                raise Conflict(self._failed[1])
            start = time.perf_counter()
            try:
                index = BatchIndex(self.paths, self._on_skip)
            except (InputError, OSError, ValueError, RecursionError, MemoryError) as e:
                message = str(e) if isinstance(e, InputError) else f"{type(e).__name__}: {e}"
                message = f"the source changed and cannot be read now: {message}"
                self._failed = (stamps, message)
                self._log(f"nsp serve: {message}")
                raise Conflict(message) from None
            self._failed = None
            for f in index.files:
                stamps.setdefault(f, _stat(f))
            self._state = state = _State(index, stamps)
            self._log(f"nsp serve: the source changed; reindexed {len(index)} graph{'s' if len(index) != 1 else ''} "
                      f"in {time.perf_counter() - start:.2f} s")
            return state

    # -------------------------------------------------------- pages

    def matching(self, query: dict, state: _State | None = None) -> list[int]:
        state = state or self._state
        key = tuple(query.get(f, "") for f in FILTERS)
        with self._lock:
            if key in state.cache:
                state.cache.move_to_end(key)
                return state.cache[key]
        if not any(key):
            hits = range(len(state.index))
        else:
            hits = state.index.matching(*key)
        with self._lock:
            state.cache[key] = hits
            while len(state.cache) > CACHED_QUERIES:
                state.cache.popitem(last=False)
        return hits

    def index_html(self, params: dict, state: _State | None = None) -> str:
        state = state or self._state
        query = {f: params[f] for f in FILTERS if params.get(f)}
        hits = self.matching(query, state)
        pages = max(1, -(-len(hits) // PER_PAGE))
        try:
            page = int(params.get("page", "1"))
        except ValueError:
            page = 1
        page = min(max(page, 1), pages)
        rows = [Row(i, f"/proof/{i}", state.index.summaries[i])
                for i in hits[(page - 1) * PER_PAGE: page * PER_PAGE]]

        def page_href(p: int) -> str:
            return "/?" + urlencode({**query, "page": p})

        return index_page(rows, state.facets, len(state.index), query=query, matched=len(hits), page=page,
                          pages=pages, page_href=page_href, title=self.title)

    def proof_html(self, k: int, state: _State | None = None) -> str:
        state = state or self._state
        n = len(state.index)
        links = Links("/", f"/proof/{k - 1}" if k > 0 else None, f"/proof/{k + 1}" if k + 1 < n else None)
        return proof_page(state.index.entry(k), k + 1, n, links)

    def page(self, path: str, params: dict) -> tuple[int, str]:
        """``(status, html)`` for a decoded path and its query parameters."""
        state = self.current()
        if path in ("/", "/index.html"):
            return 200, self.index_html(params, state)
        number = path[7:] if path.startswith("/proof/") else ""
        if number.isascii() and number.isdigit() and int(number) < len(state.index):
            return 200, self.proof_html(int(number), state)
        return 404, _message("Not found", "No such page.")


def _stderr(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def _sink(log: Callable[[str], None] | None) -> Callable[[str], None]:
    """A log function that escapes each line (:func:`printable`) before ``log`` (default: stderr) sees it."""
    out = log or _stderr
    return lambda line: out(printable(line))


_SCRIPTS_CSP = csp(asset("proof.js"), asset("serve.js"))
HEADERS = {
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": _SCRIPTS_CSP + "; frame-ancestors 'none'",
}


def _message(title: str, text: str) -> str:
    return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{esc(title)}</title></head>"
            f"<body><h1>{esc(title)}</h1><p>{esc(text)}</p><p><a href=\"/\">All proofs</a></p></body></html>")


def make_app(browser: Browser, quiet: bool = False, log: Callable[[str], None] | None = None):
    """The Starlette application serving ``browser``'s pages."""
    import anyio.to_thread
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, Response
    from starlette.routing import Route

    log = _sink(log)

    def answer(request: Request) -> Response:  # a plain function: Starlette runs it in the thread pool
        scope = request.scope
        method = request.method
        raw = scope.get("raw_path") or scope["path"].encode("utf-8")
        query_string = scope.get("query_string", b"").decode("latin-1")
        shown = raw.decode("latin-1") + ("?" + query_string if query_string else "")
        try:
            path = unquote_to_bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            path = None
        if path is not None and (method != "GET"):
            status, text = 405, ("" if method == "HEAD" else _message("Method not allowed", "Only GET is served."))
        elif path is None:
            status, text = 400, _message("Bad request", "The path is not UTF-8.")
        else:
            params = dict(request.query_params)  # the last value of a repeated name
            try:
                status, text = browser.page(path, params)
            except Conflict as e:
                status, text = 409, _message("Source changed", str(e))
            except Exception as e:  # a page that cannot be rendered
                if browser._changed(browser._state):  # the file changed under the read: say so, reload next time
                    status, text = 409, _message("Source changed", "The source changed while this page was read; "
                                                 "reload the page.")
                else:
                    status, text = 500, _message("Error", f"{type(e).__name__}: {e}")
                    log(f"{_client(scope)} - error rendering {shown}: {type(e).__name__}: {e}")
        if not quiet:
            log(f"{_client(scope)} - \"{method} {shown}\" {status}")
        headers = dict(HEADERS)
        if status == 405:
            headers["Allow"] = "GET"
        return HTMLResponse(text, status_code=status, headers=headers)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        anyio.to_thread.current_default_thread_limiter().total_tokens = RENDER_THREADS
        yield

    methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT"]
    return Starlette(routes=[Route("/{path:path}", answer, methods=methods)], lifespan=lifespan)


def _client(scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "-"


def _deadline_protocol():
    """uvicorn's h11 protocol with a request deadline. uvicorn's only idle timeout is the
    keep-alive one, armed after a response and cancelled by any byte received, so a connection
    that opens and sends nothing, or sends a request's headers a byte at a time, would stay open
    for ever (one socket each; enough of them reach ``limit_concurrency`` and every new client
    gets 503). Here the request line and headers must arrive within :data:`REQUEST_S` of the
    connection opening or of the previous response; otherwise the connection is closed. Once a
    request is in, its answer is the application's business (no deadline)."""
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class DeadlineProtocol(H11Protocol):
        _deadline = None

        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            self._arm()

        def _arm(self) -> None:
            self._disarm()
            self._deadline = self.loop.call_later(REQUEST_S, self._expired)

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _expired(self) -> None:
            self._deadline = None
            if not self.transport.is_closing():
                self.transport.close()  # connection_lost tells h11 and the request cycle

        def handle_events(self) -> None:
            super().handle_events()
            if self.cycle is not None and not self.cycle.response_complete:
                self._disarm()  # a whole request arrived

        def on_response_complete(self) -> None:
            super().on_response_complete()  # may start a pipelined request (handle_events disarms)
            if not self.transport.is_closing() and (self.cycle is None or self.cycle.response_complete):
                self._arm()

        def connection_lost(self, exc) -> None:
            self._disarm()
            super().connection_lost(exc)

    return DeadlineProtocol


class Server:
    """uvicorn serving the browser on a socket bound (and listening) at construction, with the
    interface of :class:`socketserver.BaseServer` that ``nsp serve`` and the tests use:
    ``server_address``, ``serve_forever()``, ``shutdown()`` (from another thread; waits),
    ``server_close()``."""

    def __init__(self, browser: Browser, host: str, port: int, quiet: bool = False,
                 log: Callable[[str], None] | None = None):
        import uvicorn

        self.browser = browser
        self.config = uvicorn.Config(
            make_app(browser, quiet, log), host=host, port=port, http=_deadline_protocol(), loop="asyncio", lifespan="on",
            ws="none", interface="asgi3", log_level="warning", access_log=False, server_header=False,
            headers=[("Server", "nsp-serve")], backlog=BACKLOG, timeout_keep_alive=KEEP_ALIVE_S,
            limit_concurrency=MAX_CONNECTIONS, h11_max_incomplete_event_size=MAX_HEADER_BYTES,
            timeout_graceful_shutdown=SHUTDOWN_S, proxy_headers=False)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.socket = socket.socket(family, socket.SOCK_STREAM)
        try:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.socket.bind((host, port))
            self.socket.listen(self.config.backlog)  # accept into the backlog at once, as socketserver did
        except OSError:
            self.socket.close()
            raise
        self.server_address = self.socket.getsockname()[:2]
        self._server = uvicorn.Server(self.config)
        self._done = threading.Event()
        self._done.set()

    def serve_forever(self) -> None:
        """Serve until :meth:`shutdown` (or, in the main thread, SIGINT/SIGTERM, which uvicorn
        catches and raises again once it has stopped: Ctrl-C ends in KeyboardInterrupt)."""
        self._done.clear()
        try:
            if not self._server.should_exit:
                self._server.run(sockets=[self.socket])
        finally:
            self._done.set()

    def shutdown(self, timeout: float = SHUTDOWN_S + 5) -> None:
        self._server.should_exit = True
        self._done.wait(timeout)

    def server_close(self) -> None:
        self.socket.close()


def make_server(paths, host: str = "127.0.0.1", port: int = 0, title: str | None = None, quiet: bool = False,
                on_skip=None, index: BatchIndex | None = None, log: Callable[[str], None] | None = None) -> Server:
    """Index ``paths`` (or use ``index``) and bind a server (listening, not yet serving; call
    ``serve_forever``). ``port=0`` picks a free port: see ``server.server_address``. ``log``
    receives each log line (default: stderr, escaped)."""
    browser = Browser(index, title or default_title(paths), paths, on_skip, log)
    return Server(browser, host, port, quiet, log)
