"""``nsp serve`` holding up (issue 16): load, idle connections, undecodable paths, escaped logs,
a source changed while serving. Loopback only (127.0.0.1), bounded in count and time; every
server stops at the end of its test. (Pages and URLs: test_html.py.)"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import statistics
import threading
import time
from pathlib import Path

import pytest

from nsp.graph.provenance import to_json
from nsp.html.samples import batch_records, syllogism_graph
from nsp.html.server import KEEP_ALIVE_S, REQUEST_S, make_server, printable

N_RECORDS = 120


def write_batch(path: Path, n: int = N_RECORDS) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.writelines(batch_records(n))
        f.write(json.dumps({"id": "socrates-record", "graph": to_json(syllogism_graph())}) + "\n")


# ---------------------------------------------------------------- a tiny HTTP/1.1 client on raw sockets


async def read_response(reader: asyncio.StreamReader) -> tuple[int, dict, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)}
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return status, headers, body


async def request(reader, writer, target: str | bytes, method: str = "GET", close: bool = False):
    target = target.encode("latin-1") if isinstance(target, str) else target
    writer.write(method.encode() + b" " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 + (b"Connection: close\r\n" if close else b"") + b"\r\n")
    await writer.drain()
    return await read_response(reader)


def raw_exchange(port: int, data: bytes, timeout: float = 10) -> bytes:
    """Send ``data`` on a fresh connection; everything the server answers until it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        out = b""
        while chunk := s.recv(65536):
            out += chunk
        return out


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


# ---------------------------------------------------------------- nsp serve as users run it


@pytest.fixture(scope="module")
def served(tmp_path_factory, nsp_serve):
    """``nsp serve SRC --port 0`` (request log on) in a subprocess; yields (base URL, port, log path)."""
    tmp = tmp_path_factory.mktemp("serve")
    src = tmp / "batch.jsonl"
    write_batch(src)
    log_path = tmp / "serve.log"
    url, port = nsp_serve(src, log_path)
    return url, port, log_path


REQUESTS = 2000
CONCURRENCY = 200


def test_load_2000_requests_at_200_concurrent_connections(served):
    """200 clients at once, 10 requests each: half on one keep-alive connection each, half on a
    new connection per request (2,000 connects in all). No error, no timeout, every answer right."""
    _, port, _ = served
    per_client = REQUESTS // CONCURRENCY
    latencies: list[float] = []
    failures: list[str] = []

    def target(c: int, k: int) -> tuple[str, int]:
        n = c * per_client + k
        if n % 4 == 0:
            return "/", 200
        if n % 4 == 1:
            return f"/?q=socrates&page={n % 3 + 1}", 200
        if n % 4 == 2:
            return f"/proof/{n % (N_RECORDS + 1)}", 200
        return f"/proof/{N_RECORDS + 1 + n}", 404

    async def client(c: int, go: asyncio.Event) -> None:
        keep_alive = c % 2 == 0
        conn = None
        try:
            if keep_alive:  # connect first: all 200 connections are open together when the requests start
                conn = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 30)
            await go.wait()
            for k in range(per_client):
                path, want = target(c, k)
                t = time.perf_counter()
                if not keep_alive:
                    conn = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 30)
                status, headers, body = await asyncio.wait_for(
                    request(*conn, path, close=not keep_alive), 30)
                latencies.append(time.perf_counter() - t)
                if status != want or (want == 200 and b"</html>" not in body):
                    failures.append(f"{path}: {status}")
                if not keep_alive:
                    conn[1].close()
                    conn = None
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError) as e:
            failures.append(f"client {c}: {type(e).__name__}: {e}")
        finally:
            if conn is not None:
                conn[1].close()

    async def main() -> float:
        go = asyncio.Event()
        tasks = [asyncio.create_task(client(c, go)) for c in range(CONCURRENCY)]
        await asyncio.sleep(0.5)  # let the keep-alive clients connect
        start = time.perf_counter()
        go.set()
        await asyncio.wait_for(asyncio.gather(*tasks), 90)
        return time.perf_counter() - start

    wall = asyncio.run(main())
    lat = sorted(latencies)
    summary = (f"{len(lat)} requests, {CONCURRENCY} concurrent, {len(failures)} errors, {wall:.1f} s, "
               f"{len(lat) / wall:.0f}/s, p50 {statistics.median(lat) * 1000:.0f} ms, "
               f"p99 {lat[int(len(lat) * 0.99)] * 1000:.0f} ms, max {lat[-1] * 1000:.0f} ms")
    print(summary)
    assert not failures, (summary, failures[:10])
    assert len(lat) == REQUESTS, summary
    assert lat[-1] < 30, summary


def test_idle_connections_do_not_stop_requests(served):
    """300 connections held open doing nothing (silent, or stopped in the middle of a request's
    headers): a normal request is still answered at once; an idle keep-alive connection is closed
    by the server after its keep-alive timeout, and each of the 300 after the request deadline."""
    _, port, _ = served
    idle = []
    try:
        opened = time.monotonic()
        for i in range(300):
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            if i % 3 == 1:
                s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # headers never finished
            elif i % 3 == 2:
                s.sendall(b"GE")
            idle.append(s)
        time.sleep(0.3)
        for _ in range(5):
            t = time.perf_counter()
            answer = raw_exchange(port, b"GET /proof/3 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
                                  timeout=5)
            assert status_of(answer) == 200 and answer.rstrip().endswith(b"</html>")
            assert time.perf_counter() - t < 3

        async def keep_alive_closed() -> float:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            status, _, _ = await request(reader, writer, "/")
            assert status == 200
            t = time.perf_counter()
            assert await asyncio.wait_for(reader.read(1), KEEP_ALIVE_S + 5) == b""  # closed by the server
            writer.close()
            return time.perf_counter() - t

        assert KEEP_ALIVE_S - 1 <= asyncio.run(keep_alive_closed()) <= KEEP_ALIVE_S + 3

        for i, s in enumerate(idle):  # closed by the server (uvicorn alone would keep them for ever)
            s.settimeout(max(0.1, opened + REQUEST_S + 10 - time.monotonic()))
            try:
                assert s.recv(1) == b"", i
            except ConnectionResetError:
                pass
            except socket.timeout:
                pytest.fail(f"idle connection {i} still open {REQUEST_S + 10} s after it opened")
    finally:
        for s in idle:
            s.close()


def test_undecodable_paths_are_4xx_and_logs_are_escaped(served):
    _, port, log_path = served

    def get(target: bytes) -> int:
        return status_of(raw_exchange(port, b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                      b"Connection: close\r\n\r\n"))

    assert get(b"/proof/%B2") == 400     # percent-encoded byte 0xB2: not UTF-8
    assert get(b"/proof/\xb2") == 400    # the raw byte 0xB2 (was 500): not HTTP
    assert get(b"/proof/%C2%B2") == 404  # "²" is a digit to str.isdigit, not a page number
    assert get(b"/%FF%FE?q=%FF") == 400
    assert get(b"/?q=%FF") == 200        # an undecodable query is searched as U+FFFD, as before
    assert get(b"/proof/3") == 200
    # escape sequences in the path, raw (refused by the HTTP parser) and percent-encoded (logged as sent)
    assert get(b"/proof/\x1b]0;owned\x07\x1b[31mRED") == 400
    assert get(b"/proof/%1B%5B31mRED?q=%1b%07") == 404
    assert status_of(raw_exchange(port, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")) == 405
    time.sleep(0.3)
    log = log_path.read_bytes()
    assert b'"GET /proof/%B2" 400' in log and b'"GET /proof/%1B%5B31mRED?q=%1b%07" 404' in log, log[-2000:]
    controls = sorted({b for b in log if (b < 32 and b != 10) or b == 127})
    assert not controls, (controls, log[-2000:])
    assert b"Traceback" not in log


def test_printable_escapes_what_a_terminal_would_obey():
    assert printable("/proof/3 ok ²") == "/proof/3 ok ²"
    assert printable("\x1b[31mRED\x07\r\n") == "\\x1b[31mRED\\x07\\x0d\\x0a"
    assert printable("a\u202eb\u2028c\x9b\\") == "a\\u202eb\\u2028c\\x9b\\\\"
    assert printable("\U000e0041") == "\\U000e0041"


# ---------------------------------------------------------------- in process: a changed source, the log hook


@pytest.fixture
def inproc(tmp_path):
    src = tmp_path / "batch.jsonl"
    write_batch(src)
    lines: list[str] = []
    server = make_server([src], "127.0.0.1", 0, log=lines.append)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], src, lines
    server.shutdown()
    server.server_close()
    thread.join(timeout=15)
    assert not thread.is_alive()


def fetch(port: int, target: str) -> tuple[int, str]:
    answer = raw_exchange(port, f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
    return status_of(answer), answer.partition(b"\r\n\r\n")[2].decode("utf-8")


def test_changed_source_is_reindexed_or_409(inproc):
    port, src, lines = inproc
    status, page = fetch(port, "/")
    assert status == 200 and "121 of 121 proofs" in page
    assert fetch(port, "/proof/140")[0] == 404

    write_batch(src, 150)  # rewritten longer: reindexed on the next request
    status, page = fetch(port, "/")
    assert status == 200 and "151 of 151 proofs" in page
    status, page = fetch(port, "/proof/150")
    assert status == 200 and "socrates-record" in page
    assert any("reindexed 151 graphs" in ln for ln in lines), lines

    src.write_text('{"id": "half-written", "graph": {"nod\n', encoding="utf-8")  # unreadable now: 409
    for target in ("/", "/proof/3"):
        status, page = fetch(port, target)
        assert status == 409, (status, page)
        message = re.search(r"<p>(.*?)</p>", page).group(1)
        assert "\n" not in message and "the source changed and cannot be read now" in message
        assert "batch.jsonl" in message
    assert sum("cannot be read now" in ln for ln in lines) == 1  # not indexed again until the file changes

    src.unlink()  # removed: 409 too
    assert fetch(port, "/")[0] == 409
    write_batch(src, 10)  # back: served again
    status, page = fetch(port, "/")
    assert status == 200 and "11 of 11 proofs" in page
    assert fetch(port, "/proof/10")[0] == 200 and fetch(port, "/proof/11")[0] == 404


def test_request_log_lines_go_through_the_escaping_hook(inproc):
    port, _, lines = inproc
    assert fetch(port, "/proof/%1B%5B2J")[0] == 404
    assert fetch(port, "/proof/%B2")[0] == 400
    assert '127.0.0.1 - "GET /proof/%1B%5B2J" 404' in lines
    assert '127.0.0.1 - "GET /proof/%B2" 400' in lines
    assert all(printable(ln) == ln for ln in lines)
