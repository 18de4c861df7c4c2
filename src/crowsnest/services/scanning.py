"""Directory scans: walk a tree, hash and match every file, report per file and in sum.

One bad file never stops a scan: its error is reported in its :class:`FileResult` and
counted as unreadable, and the scan goes on with the next file.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from crowsnest.core.errors import CrowsnestError, InvalidInput, NotFound
from crowsnest.services.banks import validate_threshold
from crowsnest.services.hashing import ORIENTATIONS, Orientations
from crowsnest.services.matching import Matcher, MatchItem, resolve_banks

#: Called after each file with (files done, files in total).
ScanProgress = Callable[[int, int], None]


@dataclass(frozen=True)
class FileResult:
    """Outcome for one file: its matches, or the error that kept it from being hashed."""

    path: str
    content_type: str | None = None
    matches: list[MatchItem] = field(default_factory=list)
    error: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """``{"path", "matches": [...]}`` or ``{"path", "error": {"code", "message"}}``."""
        if self.error is not None:
            return {"path": self.path, "error": self.error}
        return {"path": self.path, "content_type": self.content_type,
                "matches": [m.to_dict() for m in self.matches]}


@dataclass
class ScanSummary:
    """Totals of a scan."""

    files: int = 0
    matched: int = 0
    unreadable: int = 0
    elapsed: float = 0.0

    @property
    def files_per_second(self) -> float:
        """Throughput over the whole scan."""
        return self.files / self.elapsed if self.elapsed > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready totals, with elapsed seconds and files/s rounded."""
        return {"files": self.files, "matched": self.matched, "unreadable": self.unreadable,
                "elapsed": round(self.elapsed, 3),
                "files_per_second": round(self.files_per_second, 1)}


def list_files(root: Path) -> list[Path]:
    """Regular files under ``root`` in a stable order; symlinked directories not followed."""
    if not root.is_dir():
        raise NotFound(f"no directory {str(root)!r}")
    found: list[Path] = []
    for directory, dirnames, filenames in os.walk(root):
        dirnames.sort()
        found.extend(Path(directory) / name for name in sorted(filenames))
    return [p for p in found if p.is_file()]


def error_dict(error: BaseException) -> dict[str, Any]:
    """The ``{"code", "message"}`` shape for a file that could not be processed."""
    if isinstance(error, CrowsnestError):
        return {"code": error.code, "message": error.message}
    if isinstance(error, OSError):
        return {"code": "unreadable_file", "message": error.strerror or str(error)}
    return {"code": "hash_failed", "message": f"{type(error).__name__}: {error}"}


def match_file(
    session: Session, matcher: Matcher, path: Path, *, orientations: Orientations = "all",
    threshold: int | None = None, banks: Sequence[str] | None = None,
    max_pixels: int | None = None, max_bytes: int | None = None,
) -> FileResult:
    """Hash and match one file; media and file-system errors become the result's error.

    Options are the caller's to validate first (see :class:`DirectoryScan`), since a bad
    option here would be reported as every file's error.
    """
    try:
        found = matcher.match_media(session, path, orientations=orientations,
                                    threshold=threshold, banks=banks,
                                    max_pixels=max_pixels, max_bytes=max_bytes)
    except (CrowsnestError, OSError) as error:
        return FileResult(str(path), error=error_dict(error))
    except Exception as error:  # noqa: BLE001 -- a decoder bug in one file must not end a scan
        return FileResult(str(path), error=error_dict(error))
    return FileResult(str(path), found.hashed.content_type, found.matches)


def check_options(
    session: Session, *, orientations: str, threshold: int | None,
    banks: Sequence[str] | None,
) -> None:
    """Raise InvalidInput/NotFound for bad scan options before any file is touched."""
    if orientations not in ORIENTATIONS:
        raise InvalidInput(f"orientations must be one of {', '.join(ORIENTATIONS)}")
    validate_threshold("pdq", threshold)
    resolve_banks(session, banks)


class DirectoryScan:
    """Iterate to scan; :attr:`summary` holds the totals once iteration ends."""

    def __init__(
        self, session: Session, matcher: Matcher, root: Path, *,
        orientations: Orientations = "all", threshold: int | None = None,
        banks: Sequence[str] | None = None, progress: ScanProgress | None = None,
        max_pixels: int | None = None, max_bytes: int | None = None,
    ) -> None:
        check_options(session, orientations=orientations, threshold=threshold, banks=banks)
        self.files = list_files(Path(root))
        self.summary = ScanSummary()
        self._session, self._matcher, self._progress = session, matcher, progress
        self._options: dict[str, Any] = {
            "orientations": orientations, "threshold": threshold, "banks": banks,
            "max_pixels": max_pixels, "max_bytes": max_bytes,
        }

    def __iter__(self) -> Iterator[FileResult]:
        started = time.perf_counter()
        total = len(self.files)
        for done, path in enumerate(self.files, start=1):
            result = match_file(self._session, self._matcher, path, **self._options)
            self.summary.files += 1
            self.summary.matched += bool(result.matches)
            self.summary.unreadable += result.error is not None
            self.summary.elapsed = time.perf_counter() - started
            if self._progress is not None:
                self._progress(done, total)
            yield result
