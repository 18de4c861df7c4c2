"""Operator tasks on the index snapshots: write one now, and say how current they are.

Used by ``crowsnest index snapshot|status``. Writing loads the indexes the way a worker
does (from the current snapshot if usable, else from the database), catches them up and
saves them, so an operator can prepare a fast first start -- e.g. right after a large
import, before rolling out new service workers.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from crowsnest.core.errors import InvalidInput
from crowsnest.db.engine import unit_of_work
from crowsnest.db.repositories import changelog
from crowsnest.services.index_snapshots import SnapshotStore, resolve_directory
from crowsnest.services.index_sync import IndexSync


def snapshot_directory(setting: str, database_url: str) -> Path:
    """The configured snapshot directory, or a clear error when snapshots are off."""
    directory = resolve_directory(setting, database_url)
    if directory is None:
        raise InvalidInput(
            "index snapshots are off for this database: set CROWSNEST_INDEX_DIR (or "
            "--dir) to a directory (with 'auto' they are kept only beside a SQLite file)")
    return directory


def write_snapshot(factory: sessionmaker[Session], directory: Path,
                   pdq_threshold: int = 31) -> dict[str, Any]:
    """Load, catch up and save the indexes now; what was done and how long it took."""
    started = time.monotonic()
    sync = IndexSync(factory, pdq_threshold=pdq_threshold, snapshots=SnapshotStore(directory))
    sync.load()
    loaded_s = time.monotonic() - started
    written = sync.save_snapshot(force=True)
    if written is None and sync.watermark > 0:
        raise InvalidInput(f"another process is writing a snapshot in {directory}; "
                           "try again when it has finished")
    return {"directory": str(directory), "loaded_from": sync.loaded_from,
            "change_id": sync.watermark, "sizes": sync.require().sizes(),
            "written": written or [], "load_seconds": round(loaded_s, 3),
            "seconds": round(time.monotonic() - started, 3)}


def snapshot_status(factory: sessionmaker[Session], directory: Path) -> dict[str, Any]:
    """Each saved index with its age, size and whether a worker could use it now."""
    store = SnapshotStore(directory)
    now = time.time()
    with unit_of_work(factory) as session:
        latest = changelog.latest_id(session)
        saved = []
        for info in store.describe():
            row = info.to_dict()
            row["age_seconds"] = round(now - info.modified_at, 1)
            row["changes_behind"] = (latest - info.change_id) if info.change_id else None
            row["usable"] = info.problem is None and info.change_id is not None and \
                changelog.fingerprint(session, info.change_id) == info.fingerprint
            saved.append(row)
    return {"directory": str(directory), "latest_change_id": latest, "indexes": saved}
