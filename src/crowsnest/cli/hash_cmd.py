"""``crowsnest hash PATH...``: print every signal of each file; bad files do not stop it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from crowsnest.cli.common import JsonOption, emit_json
from crowsnest.cli.database import settings_for
from crowsnest.cli.output import print_table
from crowsnest.core.errors import CrowsnestError
from crowsnest.services.hashing import HashedMedia, hash_media_checked
from crowsnest.services.scanning import error_dict

PathsArgument = Annotated[list[Path], typer.Argument(
    help="Media files to hash (photos, videos, or any file for md5/sha256).",
    show_default=False)]


def _hash_one(path: Path, max_pixels: int, max_bytes: int) -> tuple[dict[str, Any], int]:
    """The JSON object for one file and its exit code (0 when hashed)."""
    try:
        hashes = hash_media_checked(path, max_pixels=max_pixels, max_bytes=max_bytes)
    except (CrowsnestError, OSError) as error:
        code = error.exit_code if isinstance(error, CrowsnestError) else 2
        return {"path": str(path), "error": error_dict(error)}, code
    content_type = getattr(hashes.content_type, "value", hashes.content_type)
    return {"path": str(path), **HashedMedia(str(content_type), dict(hashes.signals)).to_dict()}, 0


def hash_command(paths: PathsArgument, json_output: JsonOption = False) -> None:
    """Hash files with every signal type that applies.

    Photos get PDQ (with its quality score; below 50 is flagged low_quality), MD5 and
    SHA-256; videos vPDQ, MD5 and SHA-256; any other file MD5 and SHA-256. A file that
    cannot be read gets an error line and the others are still hashed; the exit code is
    2 if any file failed."""
    settings = settings_for(None)
    worst = 0
    rows: list[list[Any]] = []
    for path in paths:
        result, code = _hash_one(path, settings.max_image_pixels, settings.max_upload_bytes)
        worst = max(worst, code)
        if json_output:
            emit_json(result)
        elif "error" in result:
            rows.append([path, "error", result["error"]["code"], result["error"]["message"], None])
        else:
            for name, signal in result["signals"].items():
                quality = signal.get("quality")
                if signal.get("low_quality"):
                    quality = f"{quality} (low: unreliable for matching)"
                rows.append([path, result["content_type"], name, _short(signal["hash"]), quality])
    if not json_output:
        print_table(["path", "content type", "signal", "hash", "quality"], rows)
    if worst:
        raise typer.Exit(worst)


def _short(value: str) -> str:
    # vPDQ values hold one PDQ hash per second of video; show the start only
    return value if len(value) <= 80 else f"{value[:64]}... ({len(value)} chars)"


def register(app: typer.Typer) -> None:
    """Add ``crowsnest hash``."""
    app.command("hash")(hash_command)
