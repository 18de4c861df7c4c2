"""Options shared by ``crowsnest match`` and ``crowsnest scan``."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer


class OrientationChoice(str, Enum):
    """Which PDQ orientations a query tries."""

    original = "original"
    all = "all"


BankOption = Annotated[list[str] | None, typer.Option(
    "--bank", "-b", help="Match only against this bank (repeatable; default: every enabled bank).",
    show_default=False)]
ThresholdOption = Annotated[int | None, typer.Option(
    help="PDQ threshold (max Hamming distance) for this query, overriding per-bank "
    "thresholds and the configured default (31).", show_default=False)]
OrientationsOption = Annotated[OrientationChoice, typer.Option(
    help="'all' (default) also matches the 7 rotated and mirrored PDQ variants of a photo, "
    "so a mirrored or rotated upload still matches; a match found that way names its "
    "variant. 'original' queries the image as uploaded only (8x fewer PDQ lookups).")]
