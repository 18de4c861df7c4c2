"""The examples in docs/formats.md read without errors in the format they are tagged with."""

from __future__ import annotations

import io
import re
from pathlib import Path

from crowsnest.formats import all_formats

DOC = Path(__file__).parents[2] / "docs" / "formats.md"
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.M | re.S)


def test_every_format_example_in_the_docs_reads_cleanly() -> None:
    examples = [(lang, body) for lang, body in BLOCK.findall(DOC.read_text("utf-8"))
                if lang in all_formats()]
    assert {lang for lang, _ in examples} == {"csv", "jsonl", "te", "plain"}
    for lang, body in examples:
        # the header-only csv example is documented as read with --signal-type sha256
        default = "sha256" if body.startswith("value\n") else None
        rows = list(all_formats()[lang].read(io.BytesIO(body.encode()),
                                              default_signal_type=default))
        assert rows and all(r.ok for r in rows), (lang, [str(r.error) for r in rows])


def test_the_plugin_example_in_the_docs_works() -> None:
    source = next(body for lang, body in BLOCK.findall(DOC.read_text("utf-8"))
                  if lang == "python" and "class PipeFormat" in body)
    namespace: dict[str, object] = {}
    exec(compile(source, str(DOC), "exec"), namespace)  # noqa: S102 - our own docs
    fmt = namespace["PipeFormat"]()  # type: ignore[operator]
    out = io.BytesIO()
    from crowsnest.formats import HashRecord

    records = [HashRecord("md5", "d41d8cd98f00b204e9800998ecf8427e"),
               HashRecord("pdq", "0" * 64)]
    assert fmt.write(records, out) == 2
    data = out.getvalue() + b"md5|zz\n"
    rows = list(fmt.read(io.BytesIO(data)))
    assert [r.record for r in rows[:2]] == records
    assert rows[2].line == 3 and not rows[2].ok
    assert fmt.sniff(data)
