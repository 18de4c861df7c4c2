"""hash_media: one read, every applicable signal type, typed errors for bad input."""

from __future__ import annotations

import hashlib
import io

import pytest
from media_factories import png_bomb

from crowsnest.core.errors import MediaError, MediaTooLarge, UnknownSignalType, UnsupportedMedia
from crowsnest.core.hashing import MediaHashes, hash_media, pdq_variants
from crowsnest.core.signals.base import ContentType
from crowsnest.testing.samples import sample_path


class ReadOnce(io.RawIOBase):
    """A non-seekable stream that fails if read again after reaching its end."""

    def __init__(self, data: bytes) -> None:
        self._data, self._pos, self._ended = data, 0, False

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        assert not self._ended, "stream read again after its end"
        size = len(self._data) - self._pos if size < 0 else size
        chunk = self._data[self._pos:self._pos + size]
        self._pos += len(chunk)
        self._ended = not chunk
        return chunk


def test_photo_gets_pdq_md5_sha256_from_one_read() -> None:
    data = sample_path("shapes.jpg").read_bytes()
    result = hash_media(ReadOnce(data))
    assert isinstance(result, MediaHashes) and result.content_type is ContentType.PHOTO
    assert set(result.signals) == {"pdq", "md5", "sha256"}
    assert result.signals["md5"].value == hashlib.md5(data).hexdigest()
    assert result.signals["sha256"].value == hashlib.sha256(data).hexdigest()
    assert result.signals["pdq"].quality >= 80


def test_video_gets_vpdq_md5_sha256() -> None:
    result = hash_media(sample_path("moving_shapes.mp4"))
    assert result.content_type is ContentType.VIDEO
    assert set(result.signals) == {"vpdq", "md5", "sha256"}


def test_other_files_get_exact_hashes_only() -> None:
    result = hash_media(sample_path("not_media.txt"))
    assert result.content_type is ContentType.FILE
    assert set(result.signals) == {"md5", "sha256"}


def test_explicit_photo_on_a_non_image_is_unsupported() -> None:
    with pytest.raises(UnsupportedMedia):
        hash_media(sample_path("not_media.txt"), content_type=ContentType.PHOTO)
    # explicit FILE hashes a photo's bytes only
    as_file = hash_media(sample_path("shapes.png"), content_type=ContentType.FILE)
    assert set(as_file.signals) == {"md5", "sha256"}


def test_choosing_signal_types() -> None:
    only = hash_media(sample_path("shapes.png"), signal_types=["sha256", "pdq"])
    assert list(only.signals) == ["sha256", "pdq"]
    with pytest.raises(UnknownSignalType):
        hash_media(sample_path("shapes.png"), signal_types=["nope"])
    with pytest.raises(UnsupportedMedia, match="'vpdq' cannot hash photo"):
        hash_media(sample_path("shapes.png"), signal_types=["vpdq"])


def test_limits_are_passed_through() -> None:
    with pytest.raises(MediaTooLarge):
        hash_media(png_bomb(20_000), max_pixels=10_000_000)
    with pytest.raises(MediaTooLarge):
        hash_media(sample_path("shapes.png"), max_bytes=1000)
    with pytest.raises(MediaError):
        hash_media(b"")


def test_first_frame_and_variants() -> None:
    animated = hash_media(sample_path("animated.gif")).signals["pdq"]
    assert animated.extra["first_frame_only"] is True
    variants = pdq_variants(sample_path("shapes.png"))
    assert len(variants) == 8
    assert variants[0].value == hash_media(sample_path("shapes.png")).signals["pdq"].value
    with pytest.raises(UnsupportedMedia):
        pdq_variants(sample_path("moving_shapes.mp4"))
