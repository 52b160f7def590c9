"""The HTTP edge against a real receiver on loopback."""

import http.server
import shutil
import ssl
import subprocess
import threading

import pytest

from moderation.webhooks.sender import post
from moderation.webhooks.targets import Target, parse_networks, resolve_target

from .receiver import Receiver, Reply

LOOPBACK = parse_networks("127.0.0.0/8,::1/128")


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


def pinned(receiver, host="hooks.test", path="/hook"):
    # A name that does not resolve at all: proves the sender never looks it up again.
    return Target(f"http://{host}:{receiver.port}{path}", "http", host, receiver.port, path,
                  ("127.0.0.1",))


def test_posts_to_the_checked_address_with_the_hostname_in_host(receiver):
    outcome = post(pinned(receiver), b'{"a":1}', {"webhook-id": "msg_1"}, timeout=5,
                   max_response_bytes=1024)
    assert outcome.ok and outcome.status == 200 and outcome.body == b"ok"
    [request] = receiver.requests
    assert request.headers["host"] == f"hooks.test:{receiver.port}"
    assert request.headers["webhook-id"] == "msg_1"
    assert request.headers["content-type"] == "application/json"
    assert request.body == b'{"a":1}' and request.path == "/hook"


def test_redirect_is_not_followed(receiver):
    receiver.replies = [Reply(302, b"", {"Location": "http://10.0.0.1/steal"})]
    outcome = post(pinned(receiver), b"{}", {}, timeout=5, max_response_bytes=1024)
    assert outcome.status == 302 and not outcome.ok
    assert len(receiver.requests) == 1


def test_timeout_is_a_failure_without_status(receiver):
    receiver.replies = [Reply(200, b"late", delay=1.5)]
    outcome = post(pinned(receiver), b"{}", {}, timeout=0.5, max_response_bytes=1024)
    assert outcome.status is None and outcome.error == "timeout"
    assert outcome.latency_ms < 1400


def test_response_body_is_capped(receiver):
    receiver.replies = [Reply(200, b"x" * 100_000)]
    outcome = post(pinned(receiver), b"{}", {}, timeout=5, max_response_bytes=1000)
    assert outcome.ok and outcome.body == b"x" * 1000


def test_connection_refused_is_reported():
    target = Target("http://127.0.0.1:1/h", "http", "127.0.0.1", 1, "/h", ("127.0.0.1",))
    outcome = post(target, b"{}", {}, timeout=2, max_response_bytes=10)
    assert outcome.status is None and "ConnectionRefused" in outcome.error


def test_next_checked_address_is_tried_when_one_refuses(receiver):
    target = Target("http://dual.test/h", "http", "dual.test", receiver.port, "/h",
                    ("127.0.0.2", "127.0.0.1"))
    outcome = post(target, b"{}", {}, timeout=5, max_response_bytes=10)
    assert outcome.ok


def test_real_resolution_with_allowlist(receiver):
    target = resolve_target(receiver.url(host="localhost"), allow_http=True, allowed=LOOPBACK)
    assert post(target, b"{}", {}, timeout=5, max_response_bytes=10).ok


@pytest.fixture
def tls_server(tmp_path):
    if not shutil.which("openssl"):
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=hooks.test", "-addext", "subjectAltName=DNS:hooks.test",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    seen = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            seen["host"] = self.headers["Host"]
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda sock, name, ctx: seen.update(sni=name)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], cert, seen
    server.shutdown()


def test_tls_uses_the_hostname_for_sni_and_certificate(tls_server):
    port, cert, seen = tls_server
    client = ssl.create_default_context(cafile=str(cert))
    target = Target(f"https://hooks.test:{port}/h", "https", "hooks.test", port, "/h",
                    ("127.0.0.1",))
    outcome = post(target, b"{}", {}, timeout=5, max_response_bytes=10, context=client)
    assert outcome.status == 204, outcome.error
    assert seen["sni"] == "hooks.test" and seen["host"] == f"hooks.test:{port}"


def test_tls_certificate_for_another_name_fails(tls_server):
    port, cert, _ = tls_server
    client = ssl.create_default_context(cafile=str(cert))
    target = Target(f"https://evil.test:{port}/h", "https", "evil.test", port, "/h",
                    ("127.0.0.1",))
    outcome = post(target, b"{}", {}, timeout=5, max_response_bytes=10, context=client)
    assert outcome.status is None and "CERTIFICATE" in outcome.error.upper()
