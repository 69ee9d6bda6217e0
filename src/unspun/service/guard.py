"""The guards in front of every endpoint, as one pure ASGI middleware (no request reaches a route past a refusal).

In order:

1. **Host** — the ``Host`` header must be an IP address, ``localhost``, the
   address the server is bound to, or a name given with ``--allowed-host``
   (a DNS-rebinding page on another name gets 421);
2. **Origin** — a state-changing request (any method but GET/HEAD/OPTIONS)
   from a browser page of another origin is refused (403): the ``Origin``
   header must be the service's own (or ``--allowed-origin``), else
   ``Sec-Fetch-Site`` must say ``same-origin``/``none``, else ``Referer`` must
   be the service's; a client that sends none of them (curl, a script) passes;
3. **size** — a declared ``Content-Length`` over the limit gets 413 at once;
4. **slow bodies** — the body is read in full *before* the request counts as
   in flight: it must keep coming (no pause longer than ``body_timeout``) and,
   after that grace, average at least ``min_body_rate`` bytes/s, else 408 and
   the connection is closed; at most ``max_pending_bodies`` bodies are read at
   once (503 past that);
5. **in flight** — past ``max_in_flight`` requests being handled, 503 with
   ``Retry-After``.

Every answer carries ``X-Content-Type-Options``, ``Referrer-Policy`` and
``X-Frame-Options``.  The counters are per worker process (the event loop runs
one coroutine at a time: no lock is needed).
"""
from __future__ import annotations

import asyncio
import ipaddress
import json
import time
from typing import Any, Callable
from urllib.parse import urlsplit

from .config import ServiceConfig

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def send_json(send: Callable, status: int, body: dict, headers: list | None = None) -> None:
    data = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
            + SECURITY_HEADERS
            + (headers or []),
        }
    )
    await send({"type": "http.response.body", "body": data})


def _host_name(value: str) -> str | None:
    """The host part of a ``Host`` header value (no port, lower case), or None when malformed."""
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        if end < 0 or (value[end + 1 :] and not value[end + 1 :].startswith(":")):
            return None
        return value[: end + 1]
    host, sep, port = value.rpartition(":")
    if sep and port.isdigit():
        value = host
    value = value.rstrip(".")
    return value or None


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


class HostRule:
    """Which ``Host`` names the service answers to (an IP literal always: an address cannot be rebound)."""

    def __init__(self, bound_host: str, allowed: tuple[str, ...]):
        self.any = "*" in allowed
        bound = bound_host.lower()
        self.names = {"localhost", *allowed} | ({bound} if bound not in ("0.0.0.0", "::", "") else set())

    def problem(self, value: str | None) -> tuple[int, str] | None:
        if self.any:
            return None
        if not value:
            return 400, "the request has no Host header"
        host = _host_name(value)
        if host is None:
            return 400, f"the Host header {value[:100]!r} is malformed"
        if _is_ip(host) or host in self.names:
            return None
        return 421, (f"this service does not answer to the name {host[:100]!r} (Host header); "
                     f"start it with --allowed-host {host[:100]} to serve that name")


def _origin_of(url: str) -> str:
    p = urlsplit(url)
    return f"{p.scheme}://{p.netloc}".lower() if p.scheme and p.netloc else ""


def origin_problem(method: str, headers: dict[str, str], host: str, allowed: tuple[str, ...]) -> str | None:
    """Why a state-changing request comes from another site's page (None when it does not)."""
    if method in SAFE_METHODS:
        return None
    host = host.strip().lower()
    origin = headers.get("origin")
    if origin is not None and origin != "null":
        o = origin.strip().lower().rstrip("/")
        if urlsplit(o).netloc == host or o in allowed:
            return None
        return (f"a {method} from a page of another site ({origin[:100]}) is refused; "
                "start the service with --allowed-origin to let that site's pages use it")
    site = headers.get("sec-fetch-site")
    if site is not None:  # a browser that says where the request comes from (Origin: null on a no-referrer page)
        return None if site in ("same-origin", "none") else f"a {site} {method} from a browser page is refused"
    if origin == "null":
        return f"a {method} from a page of unknown origin (Origin: null) is refused"
    referer = headers.get("referer")
    if referer and urlsplit(referer).netloc.lower() != host and _origin_of(referer) not in allowed:
        return f"a {method} from a page of another site (Referer {_origin_of(referer)[:100]}) is refused"
    return None


class _TooLarge(Exception):
    pass


class _TooSlow(Exception):
    def __init__(self, got: int, seconds: float):
        self.got, self.seconds = got, seconds


class _Gone(Exception):
    pass


class Guard:
    """The middleware (see the module's docstring)."""

    def __init__(self, app: Any, cfg: ServiceConfig, retry_after: int = 1):
        self.app = app
        self.cfg = cfg
        self.hosts = HostRule(cfg.bound_host, cfg.allowed_hosts)
        self.retry_after = retry_after
        self.in_flight = 0
        self.pending = 0

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: dict[str, str] = {}
        for k, v in scope.get("headers", []):
            headers.setdefault(k.decode("latin-1").lower(), v.decode("latin-1"))
        close = [(b"connection", b"close")]
        problem = self.hosts.problem(headers.get("host"))
        if problem:
            await send_json(send, problem[0], {"error": problem[1]}, close)
            return
        why = origin_problem(scope["method"], headers, headers.get("host", ""), self.cfg.allowed_origins)
        if why:
            await send_json(send, 403, {"error": why}, close)
            return
        limit = self.cfg.max_request_bytes
        too_big = {"error": f"the request body is over the {limit:,}-byte limit (start the service with a larger --max-request-bytes)"}
        declared = headers.get("content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                await send_json(send, 400, {"error": "the Content-Length header is not a number"}, close)
                return
            if int(declared) > limit:
                await send_json(send, 413, too_big, close)
                return
        if self.pending >= self.cfg.max_pending_bodies:
            await self._busy(send, f"the service is busy ({self.pending} requests still sending their body)")
            return
        self.pending += 1
        try:
            body = await self._read_body(receive)
        except _TooLarge:
            await send_json(send, 413, too_big, close)
            return
        except _TooSlow as slow:
            await send_json(send, 408, {"error": (
                f"the request body arrived too slowly ({slow.got:,} bytes in {slow.seconds:.0f} s; it may pause at most "
                f"{self.cfg.body_timeout:g} s and must then average {self.cfg.min_body_rate:,} bytes/s); "
                "the connection is closed")}, close)
            return
        except _Gone:
            return
        finally:
            self.pending -= 1
        if self.in_flight >= self.cfg.max_in_flight:
            await self._busy(send, f"the service is busy ({self.in_flight} requests in flight)")
            return
        self.in_flight += 1
        try:
            await self.app(scope, _replay(body, receive), _with_headers(send))
        finally:
            self.in_flight -= 1

    async def _busy(self, send: Callable, what: str) -> None:
        await send_json(send, 503, {"error": f"{what}; retry after {self.retry_after} s"},
                        [(b"retry-after", str(self.retry_after).encode())])

    async def _read_body(self, receive: Callable) -> bytes:
        """The whole body, or _TooSlow / _TooLarge / _Gone."""
        cfg = self.cfg
        chunks: list[bytes] = []
        got = 0
        start = time.monotonic()
        while True:
            now = time.monotonic()
            # no pause longer than body_timeout, and after that grace an average of min_body_rate
            deadline = min(now + cfg.body_timeout, start + cfg.body_timeout + got / cfg.min_body_rate)
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - now))
            except asyncio.TimeoutError:
                raise _TooSlow(got, time.monotonic() - start) from None
            if message["type"] == "http.disconnect":
                raise _Gone()
            data = message.get("body", b"")
            got += len(data)
            if got > cfg.max_request_bytes:
                raise _TooLarge()
            if data:
                chunks.append(data)
            if not message.get("more_body", False):
                return b"".join(chunks)


def _replay(body: bytes, receive: Callable) -> Callable:
    """A ``receive`` that gives the app the body already read, then passes on (to see a disconnect)."""
    given = False

    async def replay() -> dict:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _with_headers(send: Callable) -> Callable:
    async def wrapped(message: dict) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": list(message.get("headers", [])) + SECURITY_HEADERS}
        await send(message)

    return wrapped
