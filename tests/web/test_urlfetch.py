"""URL fetching follows redirects only through the guard, pins addresses, caps size."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from crowsnest.core.errors import Forbidden, MediaTooLarge
from crowsnest.core.netguard import PinnedTarget, UnsafeURL, check_url
from crowsnest.services import urlfetch


@pytest.fixture
def server() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            if self.path == "/redirect-private":
                self.send_response(302)
                self.send_header("Location", "http://169.254.169.254/latest/meta-data")
                self.end_headers()
                return
            body = b"x" * (5000 if self.path == "/big" else 10)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://files.test:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _local_only(url: str, resolver: object) -> PinnedTarget:
    """Admit the test host at 127.0.0.1; everything else goes through the real guard."""
    if "files.test" in url:
        target = check_url(url, lambda h, p: ["93.184.216.34"])
        return PinnedTarget(target.url, target.scheme, target.host, target.port, "127.0.0.1")
    return check_url(url)


def test_fetch_reads_through_the_pinned_address(server: str) -> None:
    got = urlfetch.fetch(f"{server}/a.png", enabled=True, max_bytes=100, check=_local_only)
    assert got.data == b"x" * 10 and got.content_type == "image/png"


def test_size_cap_and_redirect_to_private_address(server: str) -> None:
    with pytest.raises(MediaTooLarge):
        urlfetch.fetch(f"{server}/big", enabled=True, max_bytes=100, check=_local_only)
    with pytest.raises(UnsafeURL):
        urlfetch.fetch(f"{server}/redirect-private", enabled=True, max_bytes=100,
                       check=_local_only)


def test_disabled_is_forbidden() -> None:
    with pytest.raises(Forbidden):
        urlfetch.fetch("http://example.com/", enabled=False, max_bytes=10)
