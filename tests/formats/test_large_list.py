"""A million-line list streams in bounded memory and its bad last line is named exactly.

The read runs in a fresh interpreter so its peak resident set size measures the reader
alone (tracemalloc would slow a million rows down five-fold).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

LINES = 1_000_001

READER = """
import io, json, resource, sys
from crowsnest.formats import get_format

def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

# warm up (lazy imports, caches) on a small list so the baseline excludes them
warm = b"".join(b"%032x\\n" % i for i in range(1000))
assert sum(r.ok for r in get_format("plain").read(io.BytesIO(warm))) == 1000
baseline = peak()
good, errors = 0, []
with open(sys.argv[1], "rb") as stream:
    for row in get_format("plain").read(stream):
        if row.ok:
            good += 1
        else:
            errors.append([row.line, str(row.error)])
print(json.dumps({"good": good, "errors": errors, "growth": peak() - baseline}))
"""


def _write_list(path: Path) -> int:
    # distinct, valid MD5 values; the last line is not a hash
    with path.open("wb") as out:
        block: list[bytes] = []
        for i in range(LINES - 1):
            block.append(hashlib.md5(i.to_bytes(4, "little")).hexdigest().encode() + b"\n")
            if len(block) == 50_000:
                out.write(b"".join(block))
                block.clear()
        out.write(b"".join(block) + b"this-is-not-a-hash\n")
    return path.stat().st_size


@pytest.mark.slow
def test_million_line_list_reports_last_line_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "hashes.txt"
    size = _write_list(path)
    assert size > 30_000_000
    done = subprocess.run([sys.executable, "-c", READER, str(path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["good"] == LINES - 1
    assert [line for line, _ in result["errors"]] == [1_000_001]
    assert result["errors"][0][1].startswith("line 1000001: ")
    # holding the file, or the rows, would grow the process by tens to hundreds of MB
    assert result["growth"] < size // 8, f"grew {result['growth']} bytes reading {size}"
