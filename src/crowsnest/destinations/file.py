"""The ``file`` destination: JSON Lines export to a directory.

Each delivery becomes one line ``{"key", "kind", "delivered_at", "payload"}`` in
``<directory>/<kind>-<YYYY-MM-DD>.jsonl`` (UTC day). Writing takes an exclusive lock on the
file, so several workers can share a directory, and a key already present in that day's
file is not written again (a retried delivery arrives once; consumers can still dedupe on
``key`` across days).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crowsnest.core.errors import InvalidInput
from crowsnest.destinations.base import Delivery, DeliveryResult, Destination

_SAFE_KIND = re.compile(r"^[a-z0-9_.-]{1,64}$")


class FileDestination(Destination):
    """Append deliveries to JSON Lines files in a directory."""

    name = "file"
    description = "JSON Lines export to a directory"

    def validate_target(self, target: dict[str, Any]) -> dict[str, Any]:
        directory = target.get("directory") if isinstance(target, dict) else None
        if not isinstance(directory, str) or not directory:
            raise InvalidInput("a file target needs a 'directory'")
        path = Path(directory)
        if not path.is_absolute():
            raise InvalidInput("the export directory must be an absolute path")
        return {"directory": str(path)}

    def deliver(self, delivery: Delivery) -> DeliveryResult:
        if not _SAFE_KIND.match(delivery.kind):
            return DeliveryResult(False, False, f"kind {delivery.kind!r} cannot name a file")
        directory = Path(self.validate_target(delivery.target)["directory"])
        now = datetime.now(UTC)
        path = directory / f"{delivery.kind}-{now:%Y-%m-%d}.jsonl"
        line = json.dumps({"key": delivery.key, "kind": delivery.kind,
                           "delivered_at": now.isoformat(), "payload": delivery.payload},
                          ensure_ascii=False, sort_keys=True, default=str)
        try:
            directory.mkdir(parents=True, exist_ok=True)
            with open(path, "a+", encoding="utf-8") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                if _has_key(handle, delivery.key):
                    return DeliveryResult(True, detail="already exported", response={"path": str(path)})
                handle.write(line + "\n")
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as error:
            # A full disk or a missing mount may recover; a permission error usually not.
            retryable = not isinstance(error, PermissionError)
            return DeliveryResult(False, retryable, f"cannot write {path}: {error.strerror}")
        return DeliveryResult(True, detail="exported", response={"path": str(path)})


def _has_key(handle: Any, key: str) -> bool:
    handle.seek(0)
    needle = json.dumps(key)
    for line in handle:
        if needle in line:
            try:
                if json.loads(line).get("key") == key:
                    return True
            except ValueError:
                continue  # a torn line from a crash; not ours
    return False
