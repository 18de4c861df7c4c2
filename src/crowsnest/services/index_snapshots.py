"""Index snapshots on disk, so a restarted worker maps its indexes instead of rebuilding them.

Rebuilding the PDQ index of a large bank from the database takes minutes at 10 M hashes
(reading and parsing every row); mapping a saved copy takes about a second. A worker
therefore keeps a snapshot of each index whose class can persist itself (``save`` /
``load`` / ``describe_saved``, today the MIH PDQ index) in the snapshot directory::

    <dir>/.lock           fcntl lock: one writer at a time, loaders hold it shared
    <dir>/<signal_type>/  one saved index, written atomically by the index class

Each saved index carries a *watermark*: the id of the last change-log row it contains
and a fingerprint of that row. On start-up the snapshot is used only when the database
still holds that very row -- which proves it is the same database and history, and (the
change log is only ever pruned as a prefix) that every later change is still there to be
replayed. Otherwise, or when a file is missing, truncated or fails its digest, the worker
logs why and rebuilds that index from the database. A snapshot is never trusted blindly:
the worst a bad one can cost is a rebuild.
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from crowsnest.core import registry
from crowsnest.core.errors import CrowsnestError
from crowsnest.core.index.base import SignalIndex
from crowsnest.db.repositories import changelog

log = logging.getLogger(__name__)
LOCK_FILE = ".lock"


def resolve_directory(setting: str, database_url: str) -> Path | None:
    """The snapshot directory for the ``index_dir`` setting (None: snapshots are off).

    ``auto`` puts snapshots beside a SQLite database file (``crowsnest.db.index``): the
    embedded default then restarts fast with no configuration. Other databases have no
    obvious local place, so ``auto`` leaves snapshots off for them.
    """
    value = setting.strip()
    if value.lower() == "off" or not value:
        return None
    if value.lower() != "auto":
        return Path(value).expanduser()
    url = make_url(database_url)
    name = url.database or ""
    if url.get_backend_name() != "sqlite" or name in ("", ":memory:") or name.startswith("file:"):
        return None
    return Path(f"{name}.index")


def persistable_class(signal_type: str) -> type | None:
    """The index class of ``signal_type`` if it can save and load itself, else None."""
    cls = type(registry.signal_type(signal_type).new_index())
    needed = ("save", "load", "describe_saved")
    return cls if all(callable(getattr(cls, name, None)) for name in needed) else None


@dataclass(frozen=True)
class SavedIndex:
    """What ``crowsnest index status`` shows of one saved index."""

    signal_type: str
    path: Path
    change_id: int | None
    rows: int | None
    bytes_on_disk: int
    modified_at: float
    problem: str | None = None
    fingerprint: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        out = dict(self.__dict__)
        out["path"] = str(self.path)
        return out


class SnapshotStore:
    """Reads and writes the index snapshots of one directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @contextmanager
    def _locked(self, exclusive: bool, wait: bool) -> Iterator[bool]:
        """Hold the directory's lock; yields False if ``wait`` is off and it is taken."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / LOCK_FILE, "a+") as handle:
            mode = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | (0 if wait else fcntl.LOCK_NB)
            try:
                fcntl.flock(handle, mode)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # -- loading ---------------------------------------------------------------------
    def load(self, session: Session) -> tuple[dict[str, SignalIndex], int]:
        """The usable saved indexes and the lowest change id they all contain (0: none)."""
        loaded: dict[str, SignalIndex] = {}
        marks: list[int] = []
        if not self.directory.is_dir():
            return loaded, 0
        with self._locked(exclusive=False, wait=True):
            for name in registry.signal_types():
                cls = persistable_class(name)
                path = self.directory / name
                if cls is None or not path.is_dir():
                    continue
                try:
                    index, mark = cls.load(path, mmap=True, verify=True)
                except CrowsnestError as exc:
                    log.warning("index snapshot %s is unusable, rebuilding from the database: %s",
                                path, exc)
                    continue
                problem = self._check(session, mark)
                if problem:
                    log.warning("index snapshot %s is not used, rebuilding from the database: %s",
                                path, problem)
                    continue
                loaded[name] = index
                marks.append(int(mark["change_id"]))
        return loaded, min(marks) if marks else 0

    @staticmethod
    def _check(session: Session, mark: Any) -> str | None:
        """Why a snapshot with watermark ``mark`` cannot be caught up here (None: it can)."""
        if not isinstance(mark, dict) or not isinstance(mark.get("change_id"), int):
            return "it records no change-log watermark"
        found = changelog.fingerprint(session, mark["change_id"])
        if found is None:
            return (f"change {mark['change_id']} is no longer in the change log (pruned, or "
                    "another database)")
        if found != mark.get("fingerprint"):
            return f"change {mark['change_id']} differs: the snapshot is of another database"
        return None

    # -- writing ---------------------------------------------------------------------
    def save(self, indexes: Mapping[str, SignalIndex], change_id: int,
             fingerprint: str) -> list[str] | None:
        """Save every persistable index as of ``change_id``; the names written.

        Returns None when another process holds the lock (it is writing now; this round
        is skipped rather than queued). A saved index newer than ``change_id`` is kept.
        """
        with self._locked(exclusive=True, wait=False) as got:
            if not got:
                return None
            written = []
            for name, index in indexes.items():
                cls = persistable_class(name)
                if cls is None:
                    continue
                current = self._saved_change_id(cls, self.directory / name)
                if current is not None and current >= change_id:
                    continue
                mark = {"change_id": change_id, "fingerprint": fingerprint}
                index.save(self.directory / name, watermark=mark)  # type: ignore[attr-defined]
                written.append(name)
            return written

    @staticmethod
    def _saved_change_id(cls: Any, path: Path) -> int | None:
        if not path.is_dir():
            return None
        try:
            mark = cls.describe_saved(path).get("watermark")
        except CrowsnestError:
            return None
        return mark.get("change_id") if isinstance(mark, dict) else None

    # -- status ----------------------------------------------------------------------
    def describe(self) -> list[SavedIndex]:
        """One line per signal type that has a saved index (without loading it)."""
        out = []
        for name in registry.signal_types():
            cls = persistable_class(name)
            path = self.directory / name
            if cls is None or not path.is_dir():
                continue
            size = sum(f.stat().st_size for f in path.iterdir() if f.is_file())
            try:
                manifest = cls.describe_saved(path)
            except CrowsnestError as exc:
                out.append(SavedIndex(name, path, None, None, size,
                                      os.path.getmtime(path), str(exc)))
                continue
            mark = manifest.get("watermark")
            mark = mark if isinstance(mark, dict) else {}
            rows = manifest.get("alive", 0) + manifest.get("delta_rows", 0)
            out.append(SavedIndex(name, path, mark.get("change_id"), rows, size,
                                  os.path.getmtime(path), fingerprint=mark.get("fingerprint")))
        return out
