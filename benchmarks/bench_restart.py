"""Restart benchmark: how long a service worker takes to be ready, with and without a snapshot.

Builds (or reuses) a SQLite database with one bank of ``--size`` random PDQ hashes, then
starts real ``crowsnest serve`` processes and measures the wall time from process start
until ``/readyz`` answers 200 and a first match-by-hash request returns the expected entry:

* baseline -- snapshots off (``CROWSNEST_INDEX_DIR=off``): the index is rebuilt from the
  database, as every worker did before snapshots;
* snapshot -- a snapshot written by ``crowsnest index snapshot`` is memory-mapped;
* snapshot + changes -- ``--changes`` entries were added after the snapshot, so the worker
  also replays them from the change log before it reports ready.

With ``--drop-caches`` (root only) the page cache is emptied before each start, so the
snapshot is read from disk, not memory. Each figure is the median of ``--rounds`` starts.
Both servers' answers to the same queries are compared: they must be identical.

Usage: python benchmarks/bench_restart.py [--size 1000000] [--rounds 3] [--changes 1000]
       [--reuse-db PATH] [--drop-caches] [--write-docs]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_http import build_database, near, random_hashes, reuse_database  # noqa: E402

CLI = str(Path(sys.executable).with_name("crowsnest"))
ROOT = Path(__file__).resolve().parents[1]
PORT = 8791


def drop_caches() -> None:
    subprocess.run(["sync"], check=True)
    Path("/proc/sys/vm/drop_caches").write_text("3\n")


def start_and_wait(url: str, index_dir: str, key: str, probe: str,
                   cold: bool) -> tuple[float, subprocess.Popen[bytes]]:
    """Seconds from spawning ``crowsnest serve`` to its first correct match answer."""
    if cold:
        drop_caches()
    env = {**os.environ, "CROWSNEST_DATABASE_URL": url, "CROWSNEST_INDEX_DIR": index_dir}
    started = time.monotonic()
    process = subprocess.Popen([CLI, "serve", "--port", str(PORT), "--log-level", "warning"],
                               env=env)
    headers = {"X-API-Key": key}
    while time.monotonic() - started < 900:
        try:
            if httpx.get(f"http://127.0.0.1:{PORT}/readyz", timeout=2).status_code == 200:
                answer = httpx.get(f"http://127.0.0.1:{PORT}/v1/match/hash",
                                   params={"signal_type": "pdq", "value": probe},
                                   headers=headers, timeout=10)
                if answer.status_code == 200 and answer.json()["matches"]:
                    return time.monotonic() - started, process
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    process.terminate()
    raise RuntimeError("the server did not become ready")


def answers(key: str, queries: list[str]) -> list[list[tuple[int, int]]]:
    out = []
    with httpx.Client(base_url=f"http://127.0.0.1:{PORT}", headers={"X-API-Key": key}) as c:
        for q in queries:
            body = c.get("/v1/match/hash", params={"signal_type": "pdq", "value": q}).json()
            out.append(sorted((m["entry_id"], m["distance"]) for m in body["matches"]))
    return out


def index_state() -> dict:
    return httpx.get(f"http://127.0.0.1:{PORT}/readyz", timeout=5).json()["index"]


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(120)


def measure(url: str, index_dir: str, key: str, probe: str, rounds: int,
            cold: bool) -> tuple[list[float], dict]:
    """Start-to-first-answer times, and the last state with every round's index load time
    (``load_seconds``: what the worker itself spent loading and catching up)."""
    times, loads, state = [], [], {}
    for _ in range(rounds):
        seconds, process = start_and_wait(url, index_dir, key, probe, cold)
        times.append(seconds)
        state = index_state()
        loads.append(state.get("load_seconds"))
        stop(process)
    return times, {**state, "loads": loads}


def add_changes(url: str, n: int) -> None:
    env = {**os.environ, "CROWSNEST_DATABASE_URL": url}
    lines = "\n".join(f"pdq {v}" for v in random_hashes(n, seed=int(time.time())))
    subprocess.run([CLI, "bank", "import", "bench", "-", "--format", "te"], input=lines.encode(),
                   env=env, check=True, capture_output=True)


def run(args: argparse.Namespace, tmp: Path) -> dict:
    path = args.reuse_db or tmp / "bench.db"
    t0 = time.monotonic()
    if args.reuse_db and path.exists():
        url, banked, key = reuse_database(path, args.size)
    else:
        url, banked, key = build_database(path, args.size)
    print(f"database ready ({time.monotonic() - t0:.0f} s)", file=sys.stderr)
    rng = random.Random(3)
    probe = banked[len(banked) // 2]
    queries = [near(rng.choice(banked), rng.randint(0, 20), rng) for _ in range(100)] + \
        random_hashes(100, seed=99)
    snap_dir = str(tmp / "snapshots")

    base_times, base_state = measure(url, "off", key, probe, args.rounds, args.drop_caches)
    _, process = start_and_wait(url, "off", key, probe, False)
    rebuilt_answers = answers(key, queries)
    stop(process)

    env = {**os.environ, "CROWSNEST_DATABASE_URL": url, "CROWSNEST_INDEX_DIR": snap_dir}
    t0 = time.monotonic()
    subprocess.run([CLI, "index", "snapshot"], env=env, check=True)
    snapshot_write_s = time.monotonic() - t0
    size = sum(f.stat().st_size for f in Path(snap_dir).rglob("*") if f.is_file())

    snap_times, snap_state = measure(url, snap_dir, key, probe, args.rounds, args.drop_caches)
    _, process = start_and_wait(url, snap_dir, key, probe, False)
    snapshot_answers = answers(key, queries)
    stop(process)
    # the shutdown above writes nothing: no change since the snapshot
    add_changes(url, args.changes)
    changed_times, changed_state = measure(url, snap_dir, key, probe, 1, args.drop_caches)
    return {
        "size": args.size, "rounds": args.rounds, "cold_cache": args.drop_caches,
        "baseline_s": statistics.median(base_times), "baseline_all": base_times,
        "baseline_loaded_from": base_state.get("loaded_from"),
        "baseline_load_s": statistics.median(base_state["loads"]),
        "snapshot_s": statistics.median(snap_times), "snapshot_all": snap_times,
        "snapshot_loaded_from": snap_state.get("loaded_from"),
        "snapshot_load_s": statistics.median(snap_state["loads"]),
        "changes": args.changes, "snapshot_changes_s": changed_times[0],
        "snapshot_changes_loaded_from": changed_state.get("loaded_from"),
        "snapshot_changes_load_s": changed_state["loads"][0],
        "snapshot_write_s": snapshot_write_s, "snapshot_mb": size / 1e6,
        "same_answers": rebuilt_answers == snapshot_answers,
        "matched_queries": sum(1 for a in snapshot_answers if a),
        "load": os.getloadavg()[0],
    }


def write_docs(r: dict) -> None:
    section = f"""## Service restart with index snapshots

`benchmarks/bench_restart.py --size {r['size']:,}{' --drop-caches' if r['cold_cache'] else ''}`:
wall time from spawning `crowsnest serve` (one worker, SQLite, {r['size']:,} random PDQ
hashes in one bank) to its first correct match answer after `/readyz` says ready --
interpreter start, imports, numba kernels from their cache, index load, change replay.
Median of {r['rounds']} starts{', page cache dropped before each' if r['cold_cache'] else ''};
load average {r['load']:.1f} at the end (shared machine).

| start | process start to first answer | of which index load + catch-up |
|---|---|---|
| baseline: snapshots off, index rebuilt from the database | {r['baseline_s']:.1f} s | {r['baseline_load_s']:.1f} s |
| memory-mapped snapshot ({r['snapshot_mb']:,.0f} MB, written by `crowsnest index snapshot` in {r['snapshot_write_s']:.1f} s) | **{r['snapshot_s']:.1f} s** ({r['baseline_s'] / r['snapshot_s']:.1f}× faster) | **{r['snapshot_load_s']:.2f} s** ({r['baseline_load_s'] / max(r['snapshot_load_s'], 1e-3):.0f}× faster) |
| snapshot + {r['changes']:,} entries added after it (replayed from the change log; one start) | {r['snapshot_changes_s']:.1f} s | {r['snapshot_changes_load_s']:.2f} s |

The rebuilt and the snapshot-loaded worker gave identical answers to the same 200 queries
({r['matched_queries']} with matches): {'yes' if r['same_answers'] else '**NO**'}. All start times:
baseline {', '.join(f'{t:.1f}' for t in r['baseline_all'])} s; snapshot
{', '.join(f'{t:.1f}' for t in r['snapshot_all'])} s.
"""
    doc = ROOT / "docs" / "benchmarks.md"
    text = doc.read_text()
    marker = "## Service restart with index snapshots"
    if marker in text:
        start = text.index(marker)
        end = text.find("\n## ", start + len(marker))
        text = text[:start] + section + (text[end + 1:] if end != -1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    doc.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=lambda s: int(float(s)), default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--changes", type=int, default=1000)
    parser.add_argument("--reuse-db", type=Path, default=None)
    parser.add_argument("--drop-caches", action="store_true")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = run(args, Path(tmp))
    print(json.dumps(result))
    results = ROOT / "benchmarks" / "results"
    results.mkdir(exist_ok=True)
    with (results / "restart.jsonl").open("a") as fh:
        fh.write(json.dumps(result) + "\n")
    if args.write_docs:
        write_docs(result)


if __name__ == "__main__":
    main()
