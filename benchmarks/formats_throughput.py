"""Read/write throughput of the built-in hash-list formats, against a bare-parsing baseline.

For each format, writes N generated MD5 records (with a label, a source and a date where
the format keeps them) to memory, then reads them back with full validation. The
baseline is the cheapest possible pass over the same bytes: splitting lines and
checking the hex with one regex, with no records built. Ratios are format/baseline time.

    python benchmarks/formats_throughput.py [--rows 200000]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import re
import time
from datetime import UTC, datetime

from crowsnest.formats import HashRecord, all_formats

HEX32 = re.compile(rb"[0-9a-f]{32}")


def baseline(data: bytes) -> int:
    """Lines whose first 32 bytes are lowercase hex: a floor no real reader can beat."""
    return sum(1 for line in io.BytesIO(data) if HEX32.match(line))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    when = datetime(2024, 1, 1, tzinfo=UTC)
    records = [HashRecord("md5", hashlib.md5(i.to_bytes(4, "little")).hexdigest(),
                          labels=("A1",), source="bench", added_at=when)
               for i in range(args.rows)]
    plain = b"".join(r.value.encode() + b"\n" for r in records)
    start = time.perf_counter()
    assert baseline(plain) == args.rows
    base = time.perf_counter() - start
    print(f"baseline (regex per line): {args.rows / base:,.0f} rows/s")
    print(f"{'format':8} {'bytes/row':>9} {'write rows/s':>13} {'read rows/s':>12} "
          f"{'read / baseline':>16}")
    for name, fmt in all_formats().items():
        out = io.BytesIO()
        start = time.perf_counter()
        fmt.write(records, out)
        wrote = time.perf_counter() - start
        data = out.getvalue()
        default = "md5" if fmt.single_signal_type else None
        start = time.perf_counter()
        good = sum(row.ok for row in fmt.read(io.BytesIO(data), default_signal_type=default))
        read = time.perf_counter() - start
        assert good == args.rows, (name, good)
        print(f"{name:8} {len(data) / args.rows:9.0f} {args.rows / wrote:13,.0f} "
              f"{args.rows / read:12,.0f} {read / base:15.1f}x")


if __name__ == "__main__":
    main()
