"""The HTTP edge: POST one signed body to a checked target, and report what happened.

Built on ``http.client`` rather than a higher-level client because three guarantees
are easier to see here: the socket connects to an address ``targets.resolve_target``
already checked (never a second DNS lookup), redirects are never followed (a 3xx is
just a failed attempt), and the response body is read only up to a cap, within one
overall deadline. TLS still verifies the certificate for the URL's host name (SNI too).
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from dataclasses import dataclass, field

from .targets import Target

USER_AGENT = "moderation-webhooks/1"


@dataclass(frozen=True)
class Outcome:
    """One attempt: ``status`` is None when no HTTP answer came (``error`` says why)."""

    status: int | None
    latency_ms: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, address, timeout, context):
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # server_hostname gives SNI and makes the context check the certificate's name.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _connection(target: Target, address: str, timeout: float,
                context: ssl.SSLContext | None) -> http.client.HTTPConnection:
    if target.scheme == "https":
        return _PinnedHTTPSConnection(target.host, target.port, address, timeout,
                                      context or ssl.create_default_context())
    return _PinnedHTTPConnection(target.host, target.port, address, timeout)


def post(target: Target, body: bytes, headers: dict[str, str], *, timeout: float,
         max_response_bytes: int, context: ssl.SSLContext | None = None) -> Outcome:
    """POST ``body`` to ``target`` and return the Outcome; never raises for network errors."""
    started = time.monotonic()
    deadline = started + timeout
    request_headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
                       "Connection": "close", **headers}
    last_error = "no address"
    for address in target.addresses:  # the next checked address only if connecting fails
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        connection = _connection(target, address, remaining, context)
        try:
            try:
                connection.connect()
            except (OSError, ssl.SSLError) as exc:
                if isinstance(exc, (ssl.SSLError, TimeoutError)):
                    return _failure(started, exc)
                last_error = _describe(exc)
                continue
            try:
                connection.request("POST", target.path, body=body, headers=request_headers)
                connection.sock.settimeout(max(deadline - time.monotonic(), 0.001))
                response = connection.getresponse()
                data = _read_capped(connection, response, deadline, max_response_bytes)
            except (OSError, http.client.HTTPException, ssl.SSLError) as exc:
                return _failure(started, exc)
            return Outcome(status=response.status, latency_ms=_ms(started), body=data,
                           headers={k.lower(): v for k, v in response.getheaders()})
        finally:
            connection.close()
    return Outcome(status=None, latency_ms=_ms(started), error=last_error)


def _read_capped(connection, response, deadline: float, limit: int) -> bytes:
    """Up to ``limit`` bytes of the body, giving up (with what we have) at the deadline."""
    chunks, size = [], 0
    while size < limit:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("response body not finished before the timeout")
        if connection.sock is not None:
            connection.sock.settimeout(remaining)
        chunk = response.read1(min(65536, limit - size)) if hasattr(response, "read1") \
            else response.read(min(65536, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timeout"
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:500]


def _failure(started: float, exc: BaseException) -> Outcome:
    return Outcome(status=None, latency_ms=_ms(started), error=_describe(exc))


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
