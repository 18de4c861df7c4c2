"""Browser tests: a real ``crowsnest`` web server and headless Chromium (Debian's).

The server runs uvicorn in a thread on 127.0.0.1 with a fresh migrated SQLite file; a
second tiny server stands in for the neutral site the quick exit leaves for (nothing
leaves the machine). Chromium is the Debian package at ``/usr/bin/chromium`` driven by
Playwright -- no browser is downloaded. axe-core comes from the npm registry into
``tests/browser/node_modules`` (installed here on first use).
"""

from __future__ import annotations

import fcntl
import http.server
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

playwright_sync = pytest.importorskip("playwright.sync_api")

import uvicorn  # noqa: E402

from crowsnest.config import Settings  # noqa: E402
from crowsnest.db.engine import make_engine  # noqa: E402
from crowsnest.db.migrate import upgrade  # noqa: E402
from crowsnest.web.app import create_app  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
HERE = Path(__file__).parent
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = HERE.parent.parent / "artifacts" / "screenshots"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
NEUTRAL_PAGE = b"<!doctype html><html lang='en'><title>Weather</title><h1>Weather today</h1></html>"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Neutral(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(NEUTRAL_PAGE)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def neutral_url() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", _free_port()), _Neutral)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/weather"
    server.shutdown()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The browser tests' server database: an empty, migrated SQLite file."""
    database = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'crowsnest.db'}"
    engine = make_engine(database)
    upgrade(engine)
    engine.dispose()
    return database


@pytest.fixture(scope="session")
def base_url(database_url: str, neutral_url: str) -> Iterator[str]:
    """A real server on 127.0.0.1 with an empty, migrated SQLite database."""
    database = database_url
    settings = Settings(database_url=database, run_background_workers=False,
                        web_quick_exit_url=neutral_url, hotline_intake_burst=1000)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test web server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium (apt-get install -y chromium chromium-driver)")
    with playwright_sync.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's script, installed from the npm registry on first use."""
    with open(HERE / ".npm-install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # xdist workers: one installs, the others wait
        if not AXE.exists():
            npm = shutil.which("npm")
            if npm is None:
                pytest.fail("npm is needed to install axe-core (apt-get install -y npm)")
            subprocess.run([npm, "install", "--no-audit", "--no-fund", "--prefix", str(HERE)],
                           check=True, cwd=HERE, timeout=300)
    return AXE.read_text("utf-8")
