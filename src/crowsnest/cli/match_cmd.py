"""``crowsnest match PATH...``: hash files and list the bank entries they match."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from crowsnest.cli.common import DbOption, JsonOption, emit_json
from crowsnest.cli.database import session_scope, settings_for
from crowsnest.cli.matching_options import (
    BankOption,
    OrientationChoice,
    OrientationsOption,
    ThresholdOption,
)
from crowsnest.cli.output import print_table, say
from crowsnest.services.matching import Matcher
from crowsnest.services.scanning import FileResult, check_options, match_file


def print_results(results: list[FileResult], *, count: bool = True) -> None:
    """Human table: one row per match, plus rows for files that could not be read."""
    rows: list[list[Any]] = []
    for result in results:
        if result.error is not None:
            rows.append([result.path, "error", None, None, None, result.error["message"]])
        for m in result.matches:
            rows.append([result.path, m.bank, m.entry_id, m.signal_type,
                         m.distance, ", ".join(m.labels) or None, m.variant])
    if rows:
        print_table(["path", "bank", "entry", "signal", "distance", "labels", "variant"], rows)
    if count:
        matched = sum(bool(r.matches) for r in results)
        say(f"{matched} of {len(results)} files matched")


def match_command(
    paths: Annotated[list[Path], typer.Argument(help="Media files to match.",
                                                show_default=False)],
    bank: BankOption = None, threshold: ThresholdOption = None,
    orientations: OrientationsOption = OrientationChoice.all,
    json_output: JsonOption = False, db: DbOption = None,
) -> None:
    """Match files against the hash banks.

    PDQ within the threshold (default 31, or the bank's own), exact MD5 and SHA-256, vPDQ
    for videos. By default the 8 orientations of a photo are tried (--orientations).
    Photos with PDQ quality below 50 (flat, featureless) match by MD5/SHA-256 only.
    Disabled banks and entries never match. A file that cannot be read gets an error line
    and exit code 2; the others are still matched."""
    settings = settings_for(db)
    results = []
    with session_scope(db) as session:
        check_options(session, orientations=orientations.value, threshold=threshold,
                      banks=bank)
        matcher = Matcher.build(session, banks=bank, pdq_threshold=settings.pdq_threshold)
        for path in paths:
            result = match_file(session, matcher, path, orientations=orientations.value,
                                threshold=threshold, banks=bank,
                                max_pixels=settings.max_image_pixels,
                                max_bytes=settings.max_upload_bytes)
            if json_output:
                emit_json(result.to_dict())
            results.append(result)
    if not json_output:
        print_results(results)
    if any(r.error is not None for r in results):
        raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    """Add ``crowsnest match``."""
    app.command("match")(match_command)
