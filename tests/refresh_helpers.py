"""Test helpers for the refresh tests: a real HTTP server on 127.0.0.1 and small file writers."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/csv; charset=utf-8"
    # Held back until the test sets the server's ``release`` (or the server stops): a request that
    # is in flight for as long as the test needs, without guessing a delay.
    hold: bool = False
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Request:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class LoopbackServer:
    """A threaded http.server bound to 127.0.0.1 that answers per path and records every request.

    ``route(path, *replies)``: the replies are given in turn, the last one repeated. A reply may also
    be a callable taking the Request and returning a Reply. A held reply (``hold=True``) is sent once
    ``release`` is set, which the server does itself when it stops.
    """

    def __init__(self) -> None:
        self.routes: dict[str, list[Reply | Callable[[Request], Reply]]] = {}
        self.requests: list[Request] = []
        self.received = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep pytest output clean
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                request = Request(self.command, parts.path, parts.query, dict(self.headers.items()), body)
                with outer._lock:
                    outer.requests.append(request)
                    replies = outer.routes.get(parts.path)
                    reply: Any = Reply(404, b"not found", "text/plain")
                    if replies:
                        reply = replies.pop(0) if len(replies) > 1 else replies[0]
                outer.received.set()
                if callable(reply):
                    reply = reply(request)
                if reply.hold:
                    outer.release.wait(120)  # a hang guard only
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", reply.content_type)
                    self.send_header("Content-Length", str(len(reply.body)))
                    for k, v in reply.headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            do_GET = _handle
            do_POST = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> LoopbackServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, *replies: Reply | Callable[[Request], Reply]) -> None:
        with self._lock:
            self.routes[path] = list(replies)

    def hits(self, path: str, method: str | None = None) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path == path and (method is None or r.method == method)]


def csv_bytes(*rows: str, header: str = "indicator_id,period_start,period_end,value,qualifier,unit") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def xlsx_bytes(header: list[str], rows: list[list[Any]]) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_sources(folder: Path, text: str, name: str = "sources.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def make_old(path: Path, seconds: float = 3600) -> None:
    """Backdate a file's mtime so an inbox sees it as finished."""
    import os

    past = time.time() - seconds
    os.utime(path, (past, past))


def runs(location: str | Path) -> list[dict[str, Any]]:
    """Every refresh run recorded in the store at ``location`` (a file or a ducklake: location)."""
    from monitor.store import refresh_queries
    from monitor.store.connection import open_store

    store = open_store(str(location))
    try:
        with store.read() as con:
            return refresh_queries.list_runs(con, limit=10_000)
    finally:
        store.close()


def wait_for(condition: Callable[[], Any], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class DripServer:
    """A raw HTTP server on 127.0.0.1 that answers every request slowly, one byte every ``interval`` s.

    ``phase="body"``: the status line and headers at once, then the body (a valid CSV of one reading
    and ``size`` blank lines) dripped;
    ``phase="headers"``: the status line and headers themselves dripped (then the body at once).
    ``completed`` counts the answers sent to the end (a client that gave up stops its answer);
    ``connected`` is set at the first connection, ``closed`` when a client went away mid-answer.
    """

    def __init__(self, phase: str = "body", interval: float = 0.05, size: int = 400) -> None:
        import socketserver

        self.phase, self.interval, self.size = phase, interval, size
        self.completed = 0
        self.connected = threading.Event()
        self.closed = threading.Event()
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                outer.connected.set()
                self.request.recv(65536)  # the request (small, one read is enough here)
                # A valid reading file (blank lines are skipped): only the deadline can fail the fetch.
                body = ("indicator_id,period_start,period_end,value\ncompute-racks,,2025-12-31,24000\n"
                        + "\n" * outer.size).encode()
                head = (f"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: {len(body)}\r\n"
                        "Connection: close\r\n\r\n").encode()
                slow, fast = (body, head) if outer.phase == "body" else (head, body)
                try:
                    if outer.phase == "body":
                        self.request.sendall(fast)
                    for i in range(len(slow)):
                        self.request.sendall(slow[i : i + 1])
                        time.sleep(outer.interval)
                    if outer.phase == "headers":
                        self.request.sendall(fast)
                    outer.completed += 1
                except OSError:
                    outer.closed.set()

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> DripServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str = "/slow.csv") -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{path}"
