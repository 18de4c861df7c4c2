"""Hotline intake under load, with a kill -9 in the middle: nothing acknowledged is lost.

Starts ``crowsnest`` (uvicorn, one worker, SQLite) on 127.0.0.1, posts reports from
concurrent clients for a bounded time, kills the server with SIGKILL part-way, restarts
it, keeps posting, and finally checks that every receipt the server acknowledged (HTTP
201) exists in the database. Requests that failed because the server was down are
counted, not retried. Prints reports/s per phase and the check's result.

Baseline: the same clients against ``/healthz`` (no database work), measured in the same
run, so the intake figure is read as a ratio of what the HTTP stack alone can do.

    python benchmarks/hotline_intake.py --seconds 20 --clients 16
"""

from __future__ import annotations

import argparse
import hashlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from crowsnest.core.receipts import canonical


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(db: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CROWSNEST_DATABASE_URL": f"sqlite:///{db}",
           # one client address (127.0.0.1) sends everything: lift the per-client limit
           "CROWSNEST_HOTLINE_INTAKE_BURST": "100000000",
           "CROWSNEST_HOTLINE_INTAKE_PER_MINUTE": "100000000",
           "CROWSNEST_RUN_BACKGROUND_WORKERS": "false"}
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "crowsnest.web.app:create_app",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "error",
         "--no-access-log"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the server did not start")


class Load:
    """Clients posting until ``stop`` is set; acknowledged receipts are kept."""

    def __init__(self, port: int, clients: int, path: str) -> None:
        self.port, self.clients, self.path = port, clients, path
        self.receipts: list[str] = []
        self.failed = 0
        self.sent = 0
        self.stop = threading.Event()
        self.lock = threading.Lock()

    def client(self, number: int) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=10) as http:
            i = 0
            while not self.stop.is_set():
                i += 1
                try:
                    if self.path == "/healthz":
                        ok = http.get("/healthz").status_code == 200
                        receipt = None
                    else:
                        answer = http.post("/v1/hotline/reports", json={
                            "urls": [f"https://load{number}.example/item/{i}?utm_source=x"],
                            "where_seen": "website", "reporter_country": "NL"})
                        ok = answer.status_code == 201
                        receipt = answer.json()["receipt"] if ok else None
                except (httpx.HTTPError, ValueError):
                    ok, receipt = False, None
                with self.lock:
                    self.sent += 1
                    if ok and receipt:
                        self.receipts.append(receipt)
                    elif not ok:
                        self.failed += 1
                if not ok:
                    time.sleep(0.05)  # server down: do not spin

    def run(self, seconds: float) -> float:
        threads = [threading.Thread(target=self.client, args=(n,)) for n in range(self.clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        time.sleep(seconds)
        self.stop.set()
        for thread in threads:
            thread.join()
        return time.perf_counter() - started


def stored_hashes(db: Path) -> set[str]:
    with sqlite3.connect(db) as connection:
        return {row[0] for row in connection.execute("SELECT receipt_hash FROM hotline_reports")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each phase")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients")
    args = parser.parse_args()
    db = Path(tempfile.mkdtemp()) / "intake.db"
    port = free_port()
    server = start(db, port)
    try:
        baseline = Load(port, args.clients, "/healthz")
        base_elapsed = baseline.run(args.seconds / 2)
        base_rate = (baseline.sent - baseline.failed) / base_elapsed
        phase1 = Load(port, args.clients, "/v1/hotline/reports")
        killer = threading.Timer(args.seconds * 0.6, lambda: os.kill(server.pid, signal.SIGKILL))
        killer.start()
        elapsed1 = phase1.run(args.seconds)
        server.wait()
        server = start(db, port)
        phase2 = Load(port, args.clients, "/v1/hotline/reports")
        elapsed2 = phase2.run(args.seconds / 2)
    finally:
        server.kill()
        server.wait()
    acknowledged = phase1.receipts + phase2.receipts
    stored = stored_hashes(db)
    missing = [r for r in acknowledged
               if hashlib.sha256(canonical(r).encode()).hexdigest() not in stored]
    steady = len(phase2.receipts) / elapsed2
    print(f"baseline /healthz: {base_rate:.0f} req/s ({args.clients} clients)")
    print(f"intake, phase 1 (killed -9 at {args.seconds * 0.6:.0f}s of {args.seconds:.0f}s): "
          f"{len(phase1.receipts)} acknowledged in {elapsed1:.1f}s, "
          f"{phase1.failed} refused while down")
    print(f"intake, phase 2 (after restart): {steady:.0f} reports/s "
          f"({steady / base_rate:.2f}x the /healthz baseline)")
    print(f"acknowledged {len(acknowledged)}, stored {len(stored)}, missing {len(missing)}")
    if missing:
        raise SystemExit(f"LOST {len(missing)} acknowledged reports")


if __name__ == "__main__":
    main()
