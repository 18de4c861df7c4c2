"""The hash-list format plug-in contract: records, parsed rows and the reader/writer ABC.

A hash list is a file of hashes with optional metadata (labels, provenance). Each format
(csv, jsonl, the ThreatExchange ``signal_type hash`` text, plain one-hash-per-line lists,
or a third party's own) is a :class:`HashListFormat` registered under the
``crowsnest.formats`` entry-point group with a literal, stable ``name``.

Readers stream: they pull a line at a time from a binary stream, so a ten-million-row list
is never held in memory, and a bad row does not stop them -- it comes out as a
:class:`ParsedRow` carrying a :class:`~crowsnest.core.errors.FormatError` with its line
number. The caller decides whether one bad row fails the whole import.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, BinaryIO, ClassVar

from crowsnest.core.errors import FormatError, InvalidInput

#: Every field of :class:`HashRecord`, in the order the csv format writes them.
FIELDS: tuple[str, ...] = (
    "signal_type", "value", "labels", "source", "external_id", "note", "added_at",
)
#: Characters a label may not contain: ``;`` separates labels in the csv format, and
#: control characters (newline, NUL, ...) break line-based files and PostgreSQL text.
#: What each metadata field reads back as when a format does not keep it.
_METADATA_DEFAULTS: dict[str, Any] = {
    "labels": (), "source": None, "external_id": None, "note": None, "added_at": None,
}
LABEL_FORBIDDEN = frozenset(";") | frozenset(map(chr, range(32))) | {"\x7f"}


def _check_text(field: str, value: str) -> None:
    # PostgreSQL text refuses NUL, and lone surrogates (legal in JSON "\ud800") are not UTF-8
    if "\x00" in value:
        raise InvalidInput(f"{field} contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(f"{field} is not valid Unicode (lone surrogate)") from None


def _canonical_labels(labels: Iterable[str]) -> tuple[str, ...]:
    if isinstance(labels, str):
        raise InvalidInput("labels must be a sequence of strings, not one string")
    out: dict[str, None] = {}  # a dict keeps first-seen order while dropping duplicates
    for label in labels:
        if not isinstance(label, str):
            raise InvalidInput(f"label {label!r} is not a string")
        if not label or label != label.strip():
            raise InvalidInput(f"label {label!r} is empty or has surrounding whitespace")
        if not LABEL_FORBIDDEN.isdisjoint(label):
            raise InvalidInput(f"label {label!r} contains ';' or a control character")
        _check_text("label", label)
        out[label] = None
    return tuple(out)


@dataclass(frozen=True, slots=True)
class HashRecord:
    """One hash with its metadata, as read from or written to a hash list.

    Construction normalises to one canonical shape so that round trips compare equal:
    ``labels`` becomes a duplicate-free tuple (first occurrence kept), empty optional
    strings become ``None``, and a naive ``added_at`` is taken as UTC. Structural problems
    (a label with ``;`` or a control character, NUL in any text) raise ``InvalidInput``.
    The hash ``value`` is checked by readers through the signal type, not here.
    """

    signal_type: str
    value: str
    labels: tuple[str, ...] = ()
    source: str | None = None
    external_id: str | None = None
    note: str | None = None
    added_at: datetime | None = None

    def __post_init__(self) -> None:
        # readers build millions of these: keep the common all-ASCII, no-metadata case cheap
        for field in ("signal_type", "value"):
            text = getattr(self, field)
            if type(text) is not str or not text:
                raise InvalidInput(f"{field} must be a non-empty string")
            if not text.isascii() or "\x00" in text:
                _check_text(field, text)
        if self.labels:
            object.__setattr__(self, "labels", _canonical_labels(self.labels))
        elif type(self.labels) is not tuple:
            object.__setattr__(self, "labels", ())
        for field in ("source", "external_id", "note"):
            text = getattr(self, field)
            if text is None:
                continue
            if not isinstance(text, str):
                raise InvalidInput(f"{field} must be a string")
            if text == "":
                object.__setattr__(self, field, None)
            else:
                _check_text(field, text)
        added = self.added_at
        if added is not None:
            if not isinstance(added, datetime):
                raise InvalidInput("added_at must be a datetime")
            if added.tzinfo is None:
                object.__setattr__(self, "added_at", added.replace(tzinfo=UTC))


@dataclass(frozen=True, slots=True)
class ParsedRow:
    """What a reader yields for one record: its 1-based line and a record or an error.

    ``line`` is the physical line where the record starts (blank and comment lines are
    counted but yield nothing). Exactly one of ``record`` and ``error`` is set.
    """

    line: int
    record: HashRecord | None = None
    error: FormatError | None = None

    def __post_init__(self) -> None:
        if (self.record is None) == (self.error is None):
            raise ValueError("a ParsedRow holds exactly one of record and error")

    @property
    def ok(self) -> bool:
        """True when the row parsed into a record."""
        return self.error is None

    def unwrap(self) -> HashRecord:
        """The record, or raise the row's ``FormatError``."""
        if self.error is not None:
            raise self.error
        assert self.record is not None
        return self.record


class HashListFormat(ABC):
    """Base class of every hash-list format plug-in.

    Subclasses set the class attributes and implement :meth:`read` and :meth:`write`;
    :meth:`sniff` lets :func:`crowsnest.formats.detect_format` recognise a file by content.
    """

    #: Stable registry key, written literally (``"csv"``); it names the format in the CLI
    #: and API, so it never changes once published.
    name: ClassVar[str]
    #: One line for ``--help`` and the docs.
    description: ClassVar[str]
    #: File name endings this format claims, lowercase with the dot (``(".csv",)``).
    extensions: ClassVar[tuple[str, ...]] = ()
    #: The HashRecord fields a write/read round trip keeps; the rest read back as defaults.
    keeps: ClassVar[frozenset[str]] = frozenset(FIELDS)
    #: True when a file holds one signal type that is not written in it, so reading
    #: back needs ``default_signal_type``.
    single_signal_type: ClassVar[bool] = False

    @abstractmethod
    def read(
        self, stream: BinaryIO, *, default_signal_type: str | None = None
    ) -> Iterator[ParsedRow]:
        """Parse ``stream`` lazily, one :class:`ParsedRow` per record, in file order.

        Must stream in constant memory and keep going after a bad row. Hash values are
        validated (and canonicalised) through their signal type. ``default_signal_type``
        applies to records that do not name one; an unknown default raises
        ``UnknownSignalType`` when iteration starts.
        """

    @abstractmethod
    def write(self, records: Iterable[HashRecord], stream: BinaryIO) -> int:
        """Write ``records`` (consumed lazily) to ``stream`` as UTF-8; return how many.

        Output for the first *k* records is a prefix of the output for all of them, so
        writing streams too. A record this format cannot represent raises ``InvalidInput``.
        """

    def sniff(self, head: bytes) -> bool:
        """Whether the first bytes of a file look like this format (default: never)."""
        return False

    def project(self, record: HashRecord) -> HashRecord:
        """``record`` as this format reads it back: fields outside ``keeps`` reset."""
        changes: dict[str, Any] = {
            name: default for name, default in _METADATA_DEFAULTS.items() if name not in self.keeps
        }
        return dataclasses.replace(record, **changes) if changes else record
