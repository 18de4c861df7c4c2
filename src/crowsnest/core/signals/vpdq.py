"""vPDQ: Meta's video hash -- PDQ hashes of frames sampled once per second.

Value format (compatible with python-threatexchange / HMA, which store vPDQ as
``vpdq_to_json``): a JSON list of strings, one per sampled frame,
``"<pdq hex>,<quality>,<timestamp seconds>"``, e.g.
``["e271...055c,100,0.000", "c0f1...055c,98,1.000"]``. We write timestamps with three
decimals; python-threatexchange parses them with ``float``. Parsing also accepts the older
python-threatexchange form, a JSON object keyed by frame number whose ``hash`` is a hex
string or the reference ``{"w": [16 words]}`` struct.

Matching (the published vPDQ rule): frames below quality 50 are dropped, duplicate frame
hashes are counted once, a frame matches when some frame of the other video is within PDQ
distance 31; :func:`vpdq_match` returns the percentage of the query's frames matched and
of the compared video's frames matched. :meth:`VpdqSignal.distance` turns these into an
integer for the :class:`SignalType` contract: ``ceil(100 - max(query_pct, compared_pct))``,
so ``distance <= 20`` (the default threshold) means at least 80 % of one video's frames
are found in the other -- the rule of python-threatexchange's ``VideoVPDQSignal``. Taking
the larger share finds both a known clip inside a longer upload and a short upload cut
from a known video; :func:`vpdq_match` gives both shares for stricter policies.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any, ClassVar

from crowsnest.core.errors import InvalidHash, MediaError
from crowsnest.core.index.base import SignalIndex
from crowsnest.core.media import LoadedMedia
from crowsnest.core.signals.base import ContentType, MediaSource, SignalHash, SignalType
from crowsnest.core.signals.pdq import PDQ_QUALITY_THRESHOLD, pdq_from_rgb
from crowsnest.core.video import DEFAULT_MAX_FRAMES, sample_frames

#: PDQ distance at or under which two frames match (vPDQ's published default).
VPDQ_FRAME_DISTANCE = 31
#: Frames below this PDQ quality are ignored when matching.
VPDQ_QUALITY_THRESHOLD = PDQ_QUALITY_THRESHOLD
_HEX_RE = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class VpdqFrame:
    """One sampled frame's PDQ hash. ``frame_number`` is not serialised (as in HMA)."""

    pdq_hex: str
    quality: int
    timestamp: float
    frame_number: int | None = None

    def serialise(self) -> str:
        return f"{self.pdq_hex},{self.quality},{self.timestamp:.3f}"


def serialise_frames(frames: list[VpdqFrame]) -> str:
    """Frames -> the stored vPDQ value (a JSON list of ``hex,quality,timestamp``)."""
    return json.dumps([f.serialise() for f in frames])


def parse_frames(value: str) -> list[VpdqFrame]:
    """A stored vPDQ value -> frames; raises ``InvalidHash`` on anything malformed."""
    if not isinstance(value, str):
        raise InvalidHash(f"a vPDQ hash must be a string, not {type(value).__name__}")
    try:
        loaded = json.loads(value)
    except ValueError as exc:
        raise InvalidHash(f"invalid vPDQ hash: not JSON ({exc.msg})") from None
    if isinstance(loaded, dict):  # older python-threatexchange form keyed by frame number
        frames = [_frame_from_dict(key, item) for key, item in loaded.items()]
    elif isinstance(loaded, list):
        frames = [_frame_from_str(item, i) for i, item in enumerate(loaded)]
    else:
        raise InvalidHash("invalid vPDQ hash: expected a JSON list of frame strings")
    if not frames:
        raise InvalidHash("invalid vPDQ hash: it has no frames")
    return frames


def _frame_from_str(item: Any, index: int) -> VpdqFrame:
    parts = item.split(",") if isinstance(item, str) else []
    if len(parts) != 3:
        raise InvalidHash(f"invalid vPDQ frame {index}: expected 'pdq_hex,quality,timestamp'")
    return _checked_frame(parts[0], parts[1], parts[2], index)


def _frame_from_dict(key: str, item: Any) -> VpdqFrame:
    if not isinstance(item, dict) or not {"quality", "hash", "timestamp"} <= item.keys():
        raise InvalidHash(f"invalid vPDQ frame {key!r}: expected quality, hash and timestamp")
    raw = item["hash"]
    if isinstance(raw, dict) and isinstance(raw.get("w"), list) and len(raw["w"]) == 16:
        # the reference Hash256 struct prints its words from w[15] down to w[0]
        raw = "".join(f"{int(word) & 0xFFFF:04x}" for word in reversed(raw["w"]))
    frame = _checked_frame(raw, item["quality"], item["timestamp"], key)
    number = int(key) if str(key).isdigit() else None
    return VpdqFrame(frame.pdq_hex, frame.quality, frame.timestamp, number)


def _checked_frame(pdq_hex: Any, quality: Any, timestamp: Any, where: Any) -> VpdqFrame:
    hex_value = str(pdq_hex).strip().lower()
    if not _HEX_RE.match(hex_value):
        raise InvalidHash(f"invalid vPDQ frame {where}: PDQ hash must be 64 hex digits")
    try:
        quality_value, time_value = int(quality), float(timestamp)
    except (TypeError, ValueError):
        raise InvalidHash(f"invalid vPDQ frame {where}: quality or timestamp is not a number"
                          ) from None
    if not 0 <= quality_value <= 100 or not math.isfinite(time_value) or time_value < 0:
        raise InvalidHash(f"invalid vPDQ frame {where}: quality must be 0-100 and the "
                          "timestamp a non-negative number")
    return VpdqFrame(hex_value, quality_value, time_value)


def _usable(frames: list[VpdqFrame], quality: int) -> list[int]:
    seen: dict[str, int] = {}
    for frame in frames:
        if frame.quality >= quality and frame.pdq_hex not in seen:
            seen[frame.pdq_hex] = int(frame.pdq_hex, 16)
    return list(seen.values())


def _matched_count(these: list[int], others: list[int], distance: int) -> int:
    return sum(any((a ^ b).bit_count() <= distance for b in others) for a in these)


def vpdq_match(
    query: str | list[VpdqFrame],
    target: str | list[VpdqFrame],
    distance: int = VPDQ_FRAME_DISTANCE,
    quality: int = VPDQ_QUALITY_THRESHOLD,
) -> tuple[float, float]:
    """``(query_pct, compared_pct)``: shares (0-100) of each video's usable frames matched.

    Usable frames have quality >= ``quality`` and are deduplicated by hash. A video with
    no usable frame matches nothing (0.0), rather than dividing by zero.
    """
    q_frames = parse_frames(query) if isinstance(query, str) else query
    t_frames = parse_frames(target) if isinstance(target, str) else target
    q_usable, t_usable = _usable(q_frames, quality), _usable(t_frames, quality)
    if not q_usable or not t_usable:
        return 0.0, 0.0
    q_pct = _matched_count(q_usable, t_usable, distance) * 100 / len(q_usable)
    t_pct = _matched_count(t_usable, q_usable, distance) * 100 / len(t_usable)
    return q_pct, t_pct


def match_distance(query_pct: float, compared_pct: float) -> int:
    """Integer distance used by indexes: ``ceil(100 - max(query_pct, compared_pct))``."""
    # round first so that float noise (e.g. 79.99999999) cannot move the ceiling
    return max(0, math.ceil(round(100.0 - max(query_pct, compared_pct), 6)))


class VpdqSignal(SignalType):
    """vPDQ video hash; distance is ``ceil(100 - best share of frames matched)``."""

    name: ClassVar[str] = "vpdq"
    content_types: ClassVar[frozenset[ContentType]] = frozenset({ContentType.VIDEO})
    #: 20 -> at least 80 % of one video's usable frames are found in the other.
    default_threshold: ClassVar[int] = 20
    #: 99 still demands at least one matching frame; 100 would match any video.
    max_threshold: ClassVar[int] = 99
    seconds_per_hash: ClassVar[float] = 1.0
    max_frames: ClassVar[int] = DEFAULT_MAX_FRAMES

    def validate(self, value: str) -> str:
        return serialise_frames(parse_frames(value.strip() if isinstance(value, str) else value))

    def hash(self, source: MediaSource, content_type: ContentType = ContentType.VIDEO
             ) -> SignalHash:
        return self.hash_loaded(LoadedMedia.load(source, ContentType.VIDEO))

    def hash_loaded(self, media: LoadedMedia) -> SignalHash:
        """Hash an already-read item (the facade's read-once path)."""
        frames = self.frames(media)
        good = sum(f.quality >= VPDQ_QUALITY_THRESHOLD for f in frames)
        extra = {"frames": len(frames), "usable_frames": good,
                 "seconds_per_hash": self.seconds_per_hash}
        if good == 0:
            extra["low_quality"] = True
        quality = round(sum(f.quality for f in frames) / len(frames))
        return SignalHash(self.name, serialise_frames(frames), quality, extra)

    def frames(self, source: MediaSource | LoadedMedia) -> list[VpdqFrame]:
        """The sampled frames' PDQ hashes, with their frame numbers."""
        media = LoadedMedia.load(source, ContentType.VIDEO)
        frames = []
        for sampled in sample_frames(media.data, seconds_per_hash=self.seconds_per_hash,
                                     max_pixels=media.max_pixels, max_frames=self.max_frames):
            pdq_hex, quality = pdq_from_rgb(sampled.rgb)
            frames.append(VpdqFrame(pdq_hex, quality, sampled.timestamp, sampled.frame_number))
        if not frames:
            raise MediaError("the video contains no decodable frame")
        return frames

    def distance(self, a: str, b: str) -> int:
        return match_distance(*vpdq_match(a, b))

    def new_index(self) -> SignalIndex:
        from crowsnest.core.index.vpdq import VpdqBruteForceIndex

        return VpdqBruteForceIndex()
