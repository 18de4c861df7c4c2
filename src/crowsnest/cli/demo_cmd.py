"""``crowsnest demo``: a friendly first run on SQLite -- build a bank, scan, show matches."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer

from crowsnest.cli.common import DbOption, JsonOption, emit_json
from crowsnest.cli.database import session_scope, settings_for
from crowsnest.cli.output import note, print_table, progress_bar, say
from crowsnest.cli.scan_cmd import print_summary
from crowsnest.services import demo
from crowsnest.services.matching import Matcher
from crowsnest.services.scanning import DirectoryScan, FileResult

DEMO_DB_FILE = "crowsnest-demo.db"


def _fresh_demo_url() -> str:
    """A new demo SQLite file in the working directory (any earlier demo file replaced)."""
    path = Path.cwd() / DEMO_DB_FILE
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    return _default_demo_url()


def _row(file: demo.DemoFile, result: FileResult, root: Path) -> list[Any]:
    best = result.matches[0] if result.matches else None
    verdict = ("unreadable" if result.error else "MATCH" if best else "no match")
    if file.should_match:
        outcome = "caught" if best else "missed"
    else:
        outcome = "FALSE MATCH" if best else "ok"
    return [file.path.relative_to(root), file.kind, file.origin, verdict,
            best.distance if best else None, best.variant if best else None, outcome]


def demo_command(
    keep: Annotated[Path | None, typer.Option(
        help="Write the generated scan folder here and keep it (default: a temporary "
        "folder, removed afterwards).", show_default=False)] = None,
    json_output: JsonOption = False, db: DbOption = None,
) -> None:
    """Run a first demo: build a bank from sample photos, scan copies, show matches.

    The bank of crowsnest's benign, generated sample photos goes into a fresh SQLite file
    (crowsnest-demo.db in the working directory, or --db). The scanned folder holds
    resized, re-encoded and mirrored copies plus unrelated generated images and one broken
    file."""
    url = db or _fresh_demo_url()
    samples = demo.photo_samples()
    with session_scope(url) as session:
        added = demo.build_demo_bank(session, samples)
    note(f"built bank {demo.DEMO_BANK!r} from {len(samples)} sample photos ({added} hashes) "
         f"in {url}")
    with tempfile.TemporaryDirectory(prefix="crowsnest-demo-") as tmp:
        root = keep or Path(tmp)
        files = demo.make_demo_folder(root, samples)
        by_path = {str(f.path): f for f in files}
        rows, summary = [], None
        with session_scope(url) as session, progress_bar("scanning", len(files)) as bar:
            matcher = Matcher.build(session, banks=[demo.DEMO_BANK],
                                    pdq_threshold=settings_for(url).pdq_threshold)
            scan = DirectoryScan(session, matcher, root, orientations="all",
                                 progress=bar.update)
            for result in scan:
                file = by_path.get(result.path)
                if file is None:
                    continue
                if json_output:
                    emit_json({**result.to_dict(), "kind": file.kind, "origin": file.origin})
                rows.append(_row(file, result, root))
            summary = scan.summary
    if json_output:
        emit_json({"summary": summary.to_dict(), "database": url})
        return
    print_table(["file", "kind", "copy of", "result", "distance", "variant", "outcome"], rows,
                title="crowsnest demo: scanning transformed copies and unrelated images")
    print_summary(summary)
    _explain(rows, url)


def _explain(rows: list[list[Any]], url: str) -> None:
    copies = [r for r in rows if r[2] is not None]
    caught = sum(r[3] == "MATCH" for r in copies)
    false = sum(r[3] == "MATCH" for r in rows if r[2] is None)
    say(f"\n{caught} of {len(copies)} transformed copies matched their sample, {false} "
        "unrelated images matched, and the broken file was reported without stopping the "
        "scan. PDQ is a perceptual hash: photos survive resizing and re-encoding well, "
        "mirrored copies are caught through the 8 orientation variants, and flat synthetic "
        "graphics (like the logo sample) can drift past the threshold -- which is why it "
        "is configurable per bank and per query (--threshold).")
    db_flag = f" --db '{url}'" if url != _default_demo_url() else (
        f" --db sqlite:///{DEMO_DB_FILE}")
    prog = _program()
    say(f"Next: {prog} bank list{db_flag}  |  {prog} match PHOTO{db_flag}  |  {prog} --help")


def _default_demo_url() -> str:
    return f"sqlite:///{Path.cwd() / DEMO_DB_FILE}"


def _program() -> str:
    """How the user can call crowsnest again: plain name if on PATH, else the path used."""
    invoked = Path(sys.argv[0])
    if shutil.which("crowsnest") or invoked.name != "crowsnest":
        return "crowsnest"
    return os.path.relpath(invoked)


def register(app: typer.Typer) -> None:
    """Add ``crowsnest demo``."""
    app.command("demo")(demo_command)
