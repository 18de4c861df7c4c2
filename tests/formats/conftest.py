"""Signal types for the format tests while the real ones are not installed.

The readers validate hashes through the plug-in registry. Until the built-in ``md5``,
``sha256``, ``pdq`` and ``vpdq`` signal types are registered, these small validating
stand-ins fill the gaps (a registered real type always wins), so the tests exercise the
same registry path production code uses.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from crowsnest.core import registry
from crowsnest.core.errors import InvalidHash, UnsupportedMedia
from crowsnest.core.index.exact import ExactIndex
from crowsnest.core.signals.base import ContentType, MediaSource, SignalHash, SignalType


class _HexSignal(SignalType):
    digits: int
    content_types = frozenset({ContentType.FILE})

    def validate(self, value: str) -> str:
        if not isinstance(value, str) or not re.fullmatch(f"[0-9a-fA-F]{{{self.digits}}}", value):
            raise InvalidHash(f"{value!r} is not a valid {self.name} hash "
                              f"({self.digits} hex digits)")
        return value.lower()

    def hash(self, source: MediaSource, content_type: ContentType) -> SignalHash:
        if not isinstance(source, bytes) or self.name == "pdq":
            raise UnsupportedMedia("the test signal types hash bytes only")
        return SignalHash(self.name, hashlib.new(self.name, source).hexdigest())

    def distance(self, a: str, b: str) -> int:
        return bin(int(a, 16) ^ int(b, 16)).count("1")

    def new_index(self) -> Any:
        return ExactIndex()


class Md5(_HexSignal):
    name = "md5"
    digits = 32


class Sha256(_HexSignal):
    name = "sha256"
    digits = 64


class Pdq(_HexSignal):
    name = "pdq"
    digits = 64


class Vpdq(_HexSignal):
    """Canonical vPDQ text: a JSON list of ``"<64 hex>,<quality>,<seconds, 3 decimals>"``."""

    name = "vpdq"
    content_types = frozenset({ContentType.VIDEO})

    def validate(self, value: str) -> str:
        try:
            frames = json.loads(value)
            assert isinstance(frames, list) and frames
            out = []
            for frame in frames:
                pdq, quality, seconds = frame.split(",")
                assert re.fullmatch("[0-9a-fA-F]{64}", pdq)
                out.append(f"{pdq.lower()},{int(quality)},{float(seconds):.3f}")
        except (ValueError, AssertionError, AttributeError, TypeError):
            raise InvalidHash(f"invalid vPDQ hash {value[:80]!r}") from None
        return json.dumps(out)


STAND_INS = {cls.name: cls() for cls in (Md5, Sha256, Pdq, Vpdq)}


@pytest.fixture(autouse=True, scope="module")
def signal_types_available() -> Iterator[None]:
    real = registry.plugins

    def plugins(group: str) -> dict[str, Any]:
        found = real(group)
        if group != registry.SIGNAL_TYPES:
            return found
        return {**STAND_INS, **found}

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(registry, "plugins", plugins)
        yield
