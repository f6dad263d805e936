"""A local web server browsing a batch of graphs: ``nsp serve DIR_OR_FILE``.

The inputs are indexed once at start (:class:`nsp.html.load.BatchIndex`: byte offsets,
summaries, search texts; no graph kept); pages are rendered on demand, so a 100,000-graph JSONL
needs no pre-rendering. Routes (GET only):

    /                   the index: ?q=words&rule=&role=&outcome=&dataset=&page=N, 50 rows a page,
                        searched and filtered on the server
    /proof/K            the page of entry K (0-based, input order), the same page as the static
                        site's, with previous / next links
    anything else       404

It binds 127.0.0.1 unless told otherwise. Responses carry the pages' Content-Security-Policy
as a header too. The server only reads its inputs.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from nsp.html.load import BatchIndex
from nsp.html.render import Links, Row, asset, csp, esc, index_page, proof_page
from nsp.html.site import default_title

PER_PAGE = 50
FILTERS = ("q", "rule", "role", "outcome", "dataset")
CACHED_QUERIES = 32


class Browser:
    """The server's state: the index and a small cache of recent query results."""

    def __init__(self, index: BatchIndex, title: str):
        self.index = index
        self.title = title
        self.facets = index.facets()
        self._cache: OrderedDict[tuple, list[int]] = OrderedDict()
        self._lock = threading.Lock()

    def matching(self, query: dict) -> list[int]:
        key = tuple(query.get(f, "") for f in FILTERS)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        if not any(key):
            hits = range(len(self.index))
        else:
            hits = self.index.matching(*key)
        with self._lock:
            self._cache[key] = hits
            while len(self._cache) > CACHED_QUERIES:
                self._cache.popitem(last=False)
        return hits

    def index_html(self, params: dict) -> str:
        query = {f: params[f] for f in FILTERS if params.get(f)}
        hits = self.matching(query)
        pages = max(1, -(-len(hits) // PER_PAGE))
        try:
            page = int(params.get("page", "1"))
        except ValueError:
            page = 1
        page = min(max(page, 1), pages)
        rows = [Row(i, f"/proof/{i}", self.index.summaries[i])
                for i in hits[(page - 1) * PER_PAGE: page * PER_PAGE]]

        def page_href(p: int) -> str:
            return "/?" + urlencode({**query, "page": p})

        return index_page(rows, self.facets, len(self.index), query=query, matched=len(hits), page=page,
                          pages=pages, page_href=page_href, title=self.title)

    def proof_html(self, k: int) -> str:
        n = len(self.index)
        links = Links("/", f"/proof/{k - 1}" if k > 0 else None, f"/proof/{k + 1}" if k + 1 < n else None)
        return proof_page(self.index.entry(k), k + 1, n, links)


class Handler(BaseHTTPRequestHandler):
    server_version = "nsp-serve"
    sys_version = ""
    browser: Browser  # set on the subclass made by make_server
    quiet = False

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        url = urlsplit(self.path)
        params = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        path = url.path
        try:
            if path in ("/", "/index.html"):
                self._send(HTTPStatus.OK, self.browser.index_html(params))
            elif path.startswith("/proof/") and path[7:].isdigit() and int(path[7:]) < len(self.browser.index):
                self._send(HTTPStatus.OK, self.browser.proof_html(int(path[7:])))
            else:
                self._send(HTTPStatus.NOT_FOUND, _message("Not found", "No such page."))
        except Exception as e:  # a page that cannot be rendered (file changed since indexing, ...)
            self.log_error("error rendering %s: %s: %s", path, type(e).__name__, e)
            self._send(HTTPStatus.INTERNAL_SERVER_ERROR, _message("Error", f"{type(e).__name__}: {e}"))

    def do_HEAD(self) -> None:  # noqa: N802
        self._send(HTTPStatus.METHOD_NOT_ALLOWED, "", head=True)

    def _send(self, status: HTTPStatus, text: str, head: bool = False) -> None:
        body = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Content-Security-Policy", _SCRIPTS_CSP + "; frame-ancestors 'none'")
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def log_message(self, format, *args) -> None:  # noqa: A002 (http.server's signature)
        if not self.quiet:
            sys.stderr.write("%s - %s\n" % (self.address_string(), format % args))

    def log_error(self, format, *args) -> None:  # noqa: A002 (errors are logged even when quiet)
        sys.stderr.write("%s - %s\n" % (self.address_string(), format % args))


_SCRIPTS_CSP = csp(asset("proof.js"), asset("serve.js"))


def _message(title: str, text: str) -> str:
    return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{esc(title)}</title></head>"
            f"<body><h1>{esc(title)}</h1><p>{esc(text)}</p><p><a href=\"/\">All proofs</a></p></body></html>")


def make_server(paths, host: str = "127.0.0.1", port: int = 0, title: str | None = None, quiet: bool = False,
                on_skip=None, index: BatchIndex | None = None) -> ThreadingHTTPServer:
    """Index ``paths`` (or use ``index``) and bind a server (not yet serving; call
    ``serve_forever``). ``port=0`` picks a free port: see ``server.server_address``."""
    index = index if index is not None else BatchIndex(paths, on_skip)
    browser = Browser(index, title or default_title(paths))
    handler = type("BoundHandler", (Handler,), {"browser": browser, "quiet": quiet})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server
