"""``crowsnest scan DIR``: match every file of a directory tree, with progress and totals."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crowsnest.cli.common import DbOption, JsonOption, emit_json
from crowsnest.cli.database import session_scope, settings_for
from crowsnest.cli.match_cmd import print_results
from crowsnest.cli.matching_options import (
    BankOption,
    OrientationChoice,
    OrientationsOption,
    ThresholdOption,
)
from crowsnest.cli.output import print_table, progress_bar, say
from crowsnest.services.matching import Matcher
from crowsnest.services.scanning import DirectoryScan, ScanSummary


def print_summary(summary: ScanSummary) -> None:
    """The totals line a person reads at the end of a scan."""
    s = summary.to_dict()
    say(f"scanned {s['files']} files in {s['elapsed']:.1f}s ({s['files_per_second']} files/s): "
        f"{s['matched']} matched, {s['unreadable']} unreadable")


def scan_command(
    directory: Annotated[Path, typer.Argument(help="Directory to scan recursively.",
                                              show_default=False)],
    bank: BankOption = None, threshold: ThresholdOption = None,
    orientations: OrientationsOption = OrientationChoice.all,
    show_all: Annotated[bool, typer.Option(
        "--all", help="List every file, not only matched and unreadable ones.")] = False,
    json_output: JsonOption = False, db: DbOption = None,
) -> None:
    """Scan a directory tree: hash and match every file in it.

    A progress bar runs on stderr; at the end a summary (files, matched, unreadable,
    elapsed, files/s). One bad file never stops the scan. Lists matched and unreadable
    files (--all: every file). With --json: one line per file, then {"summary": {...}}."""
    settings = settings_for(db)
    shown = []
    with session_scope(db) as session:
        matcher = Matcher.build(session, banks=bank, pdq_threshold=settings.pdq_threshold)
        with progress_bar("scanning", None) as bar:
            scan = DirectoryScan(
                session, matcher, directory, orientations=orientations.value,
                threshold=threshold, banks=bank, progress=bar.update,
                max_pixels=settings.max_image_pixels, max_bytes=settings.max_upload_bytes)
            for result in scan:
                if json_output:
                    emit_json(result.to_dict())
                elif show_all or result.matches or result.error is not None:
                    shown.append(result)
    if json_output:
        emit_json({"summary": scan.summary.to_dict()})
        return
    if shown:
        print_results(shown, count=False)
    unmatched = [r for r in shown if not r.matches and r.error is None]
    if show_all and unmatched:
        print_table(["path (no match)"], [[r.path] for r in unmatched])
    print_summary(scan.summary)


def register(app: typer.Typer) -> None:
    """Add ``crowsnest scan``."""
    app.command("scan")(scan_command)
