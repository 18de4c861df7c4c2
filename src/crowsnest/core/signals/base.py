"""The signal-type plug-in contract.

A signal type (vocabulary from python-threatexchange) turns content into a hash value and
knows how to compare two values. Each declares a stable ``name`` that is used as a storage
key, so it is written out literally and never derived from a class name.

Built-in signal types register through the ``crowsnest.signal_types`` entry point group,
the same mechanism a third-party package uses (see :mod:`crowsnest.core.registry`).
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, ClassVar, Union

if TYPE_CHECKING:
    from crowsnest.core.index.base import SignalIndex

#: What hashing APIs accept: raw bytes, a filesystem path, or an open binary file.
#: Never a URL -- crowsnest does not fetch content by itself.
MediaSource = Union[bytes, Path, IO[bytes]]


class ContentType(str, enum.Enum):
    """Kinds of content a signal type can hash."""

    PHOTO = "photo"
    VIDEO = "video"
    FILE = "file"  # any bytes at all (exact hashes)


@dataclass(frozen=True)
class SignalHash:
    """One computed hash.

    ``quality`` is the hasher's own confidence score where it has one (PDQ: 0-100);
    ``extra`` carries signal-specific facts (e.g. ``{"first_frame_only": True}``).
    """

    signal_type: str
    value: str
    quality: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class SignalType(ABC):
    """Base class for every signal type plug-in."""

    #: Stable storage key, e.g. ``"pdq"``. Never change it once data exists.
    name: ClassVar[str]
    #: Content types this signal can be computed from.
    content_types: ClassVar[frozenset[ContentType]]
    #: Default match threshold (inclusive distance); 0 for exact hashes.
    default_threshold: ClassVar[int] = 0
    #: Largest threshold a caller may ask for.
    max_threshold: ClassVar[int] = 0

    @abstractmethod
    def validate(self, value: str) -> str:
        """Return ``value`` in canonical form (lowercase hex) or raise ``InvalidHash``."""

    @abstractmethod
    def hash(self, source: MediaSource, content_type: ContentType) -> SignalHash:
        """Hash ``source``. Raises a ``MediaError`` subclass; never returns an empty hash."""

    @abstractmethod
    def distance(self, a: str, b: str) -> int:
        """Distance between two canonical values (0 means identical)."""

    @abstractmethod
    def new_index(self) -> SignalIndex:
        """A fresh, empty index able to serve this signal type's queries."""

    def matches(self, a: str, b: str, threshold: int | None = None) -> bool:
        """Whether two values match within ``threshold`` (default: the type's default)."""
        limit = self.default_threshold if threshold is None else threshold
        return self.distance(a, b) <= limit
