"""The outbound-URL guard on the one HTTP client (core-surface §6.5)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from better_auth.outbound import OutboundURLRefused, fetch, guard_url


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data")
            self.end_headers()
            return
        body = b'{"ok":true}' if self.path != "/big" else b"x" * 5000
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def local_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://localhost:8000/",
        "http://[::1]/",
        "http://169.254.169.254/latest",
        "http://metadata.google.internal/",
        "http://10.0.0.1/",
        "http://192.88.99.1/",
        "http://[fec0::1]/",
        "http://[::127.0.0.1]/",
        "http://2130706433/",
        "file:///etc/passwd",
        "gopher://example.com/",
        "http://user:pass@example.com/",
    ],
)
def test_non_public_targets_are_refused_by_default(url: str, settings: object) -> None:
    """Loopback, private, metadata and the 1.7 reserved ranges never get fetched."""
    with pytest.raises(OutboundURLRefused):
        guard_url(url)


def test_loopback_needs_an_explicit_setting(
    local_server: str, better_auth_settings
) -> None:
    """Loopback is allowed only when OUTBOUND.ALLOW_LOOPBACK says so, not by default."""
    with pytest.raises(OutboundURLRefused):
        fetch(local_server + "/")
    better_auth_settings(OUTBOUND={"ALLOW_LOOPBACK": True})
    response = fetch(local_server + "/")
    assert response.status == 200 and response.json() == {"ok": True}


def test_redirects_are_checked_again(local_server: str, better_auth_settings) -> None:
    """A redirect to a link-local metadata address is refused, not followed."""
    better_auth_settings(OUTBOUND={"ALLOW_LOOPBACK": True})
    with pytest.raises(OutboundURLRefused):
        fetch(local_server + "/redirect")


def test_response_size_is_capped(local_server: str, better_auth_settings) -> None:
    better_auth_settings(OUTBOUND={"ALLOW_LOOPBACK": True, "MAX_BYTES": 1000})
    with pytest.raises(OutboundURLRefused, match="larger"):
        fetch(local_server + "/big")
