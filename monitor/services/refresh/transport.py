"""The HTTP transport of sources and alert channels: one deadline over a whole request, checked addresses.

httpx's ``timeout`` bounds each network operation, not a request: a server that sends one byte a
second never trips it. Here every operation of a request (resolving the name, connecting, TLS,
sending, each read of the headers and the body) waits at most until the request's deadline, so the
whole request ends within ``timeout`` whatever the server does. Names are resolved here (in a helper
thread, so that a slow resolver is bounded too) and every address is checked with
monitor.services.refresh.policy before the connection is made to that very address (no second lookup a DNS
rebinding could change).

Imported only when a request is made (it imports httpx and httpcore).
"""

from __future__ import annotations

import math
import queue
import socket
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import httpcore
import httpx

from monitor.services.refresh.policy import address_problem, categories

Resolver = Callable[[str, int], list[str]]


class AddressRefused(Exception):
    """A connection was refused by the address policy (not a network error: never retried)."""


def system_resolve(host: str, port: int) -> list[str]:
    """The addresses of ``host``, as the system resolver gives them (IP literals in any spelling included)."""
    return [str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, guard: GuardedBackend) -> None:
        self._inner = inner
        self._guard = guard

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._guard.bound(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._guard.bound(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None) -> _Stream:
        inner = self._inner.start_tls(ssl_context, server_hostname, self._guard.bound(timeout, httpcore.ConnectTimeout))
        return _Stream(inner, self._guard)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's sync backend with a deadline and an address check.

    The categories of the first host connected to (the configured URL's: redirects come after it)
    are the ones allowed for every later connection of this backend."""

    def __init__(self, resolve: Resolver | None = None) -> None:
        self._inner = httpcore.SyncBackend()
        self._resolve = resolve or system_resolve
        self.deadline = math.inf  # time.monotonic() value
        self.allowed: frozenset[str] | None = None

    def start(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    @property
    def expired(self) -> bool:
        return time.monotonic() >= self.deadline

    def bound(self, timeout: float | None, error: type[Exception]) -> float:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise error("the request's deadline has passed")
        return remaining if timeout is None else min(timeout, remaining)

    def _addresses(self, host: str, port: int) -> list[str]:
        """Resolve in a daemon thread, waiting no longer than the deadline (getaddrinfo has no timeout)."""
        answer: queue.Queue[tuple[list[str] | None, BaseException | None]] = queue.Queue(maxsize=1)

        def work() -> None:
            try:
                answer.put((self._resolve(host, port), None))
            except BaseException as e:  # noqa: BLE001 - handed to the waiting thread
                answer.put((None, e))

        threading.Thread(target=work, name="monitor-resolve", daemon=True).start()
        try:
            addresses, error = answer.get(timeout=self.bound(None, httpcore.ConnectTimeout))
        except queue.Empty:
            raise httpcore.ConnectTimeout(f"resolving {host} took longer than the request's deadline") from None
        if error is not None:
            raise httpcore.ConnectError(f"cannot resolve {host}: {error}") from error
        return list(dict.fromkeys(a.split("%", 1)[0] if "%" in a else a for a in addresses or []))

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = self._addresses(host, port)
        if not addresses:
            raise httpcore.ConnectError(f"{host} has no address")
        if self.allowed is None:
            self.allowed = frozenset().union(*(categories(a) for a in addresses))
        problems = {a: address_problem(a, self.allowed) for a in addresses}
        permitted = [a for a in addresses if problems[a] is None]
        if not permitted:
            raise AddressRefused(f"{host}: {next(iter(problems.values()))}")
        last: Exception | None = None
        for address in permitted:
            try:
                stream = self._inner.connect_tcp(
                    address, port, self.bound(timeout, httpcore.ConnectTimeout), local_address, socket_options
                )
                return _Stream(stream, self)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as e:
                last = e
        assert last is not None
        raise last

    def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        raise AddressRefused("unix sockets are not used")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def environment_proxy(url: str) -> str | None:
    """The http(s) proxy the environment (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, NO_PROXY) sets for ``url``."""
    import urllib.request
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    proxies = urllib.request.getproxies_environment()
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    # proxy_bypass_environment is in CPython's urllib.request but not in its type stubs.
    if not proxy or urllib.request.proxy_bypass_environment(parts.hostname or "", proxies):  # type: ignore[attr-defined]
        return None
    return proxy if urlsplit(proxy).scheme in ("http", "https") else None


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport over a GuardedBackend (the client must have ``trust_env=False``: a proxy from
    the environment is passed here as ``proxy``, so that it too goes through the backend).

    With ``per_request`` (alert deliveries), each request gets its own deadline of ``seconds``; else
    the caller starts it with ``backend.start(seconds)`` (a source's fetch: one deadline over an
    attempt, its redirects included). Through a proxy, the addresses checked are the proxy's (the
    proxy resolves the target): redirects are still followed only to allowed hosts."""

    def __init__(self, seconds: float, *, per_request: bool = False, resolve: Resolver | None = None,
                 proxy: str | None = None) -> None:
        super().__init__()
        self.backend = GuardedBackend(resolve)
        self.seconds = seconds
        self.per_request = per_request
        context = httpx.create_ssl_context()
        # httpx has no argument for httpcore's network_backend: the pool is built again with it.
        if proxy is None:
            self._pool = httpcore.ConnectionPool(ssl_context=context, network_backend=self.backend)
        else:
            url = httpx.Proxy(proxy)
            self._pool = httpcore.HTTPProxy(
                proxy_url=httpcore.URL(scheme=url.url.raw_scheme, host=url.url.raw_host, port=url.url.port,
                                       target=url.url.raw_path),
                proxy_auth=url.raw_auth, proxy_headers=url.headers.raw, ssl_context=context,
                network_backend=self.backend,
            )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.per_request:
            self.backend.start(self.seconds)
        return super().handle_request(request)
