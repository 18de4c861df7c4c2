"""Reading sources with limits, and sniffing content types from magic bytes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from crowsnest.core.errors import InvalidInput, MediaError, MediaTooLarge, UnsupportedMedia
from crowsnest.core.media import LoadedMedia, read_source, sniff_content_type, sniff_image_format
from crowsnest.core.signals.base import ContentType
from crowsnest.testing.samples import list_samples, sample_path

PAYLOAD = b"benign bytes " * 100


def test_bytes_path_and_stream_read_the_same(tmp_path: Path) -> None:
    path = tmp_path / "item.bin"
    path.write_bytes(PAYLOAD)
    assert read_source(PAYLOAD) == read_source(path) == read_source(io.BytesIO(PAYLOAD))
    assert read_source(bytearray(PAYLOAD)) == PAYLOAD


def test_byte_limit_is_enforced_for_every_source_kind(tmp_path: Path) -> None:
    path = tmp_path / "item.bin"
    path.write_bytes(PAYLOAD)
    limit = len(PAYLOAD) - 1
    for source in (PAYLOAD, path, io.BytesIO(PAYLOAD)):
        with pytest.raises(MediaTooLarge, match="larger than the limit"):
            read_source(source, max_bytes=limit)
    assert read_source(io.BytesIO(PAYLOAD), max_bytes=len(PAYLOAD)) == PAYLOAD


def test_str_is_refused_so_a_url_is_never_fetched() -> None:
    with pytest.raises(InvalidInput, match="never fetches URLs"):
        read_source("https://example.org/picture.jpg")  # type: ignore[arg-type]


def test_zero_bytes_missing_file_and_text_stream_are_clear_errors(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    for source in (b"", empty, io.BytesIO()):
        with pytest.raises(MediaError, match="empty"):
            read_source(source)
    with pytest.raises(MediaError, match="cannot read"):
        read_source(tmp_path / "missing.png")
    with pytest.raises(InvalidInput, match="binary mode"):
        read_source(io.StringIO("text"))  # type: ignore[arg-type]


EXPECTED_FORMATS = {
    "shapes.png": "png", "shapes.jpg": "jpeg", "shapes.webp": "webp", "shapes.bmp": "bmp",
    "shapes.tif": "tiff", "shapes.heic": "heif", "shapes.avif": "avif",
    "animated.gif": "gif", "grey16.tif": "tiff",
}


@pytest.mark.parametrize("name", sorted(EXPECTED_FORMATS))
def test_image_formats_are_sniffed(name: str) -> None:
    data = sample_path(name).read_bytes()
    assert sniff_image_format(data) == EXPECTED_FORMATS[name]
    assert sniff_content_type(data) is ContentType.PHOTO


def test_every_sample_gets_the_content_type_its_kind_implies() -> None:
    for name in list_samples():
        kind = sniff_content_type(sample_path(name).read_bytes())
        expected = (ContentType.VIDEO if name.endswith(".mp4") else
                    ContentType.FILE if name.endswith(".txt") else ContentType.PHOTO)
        assert kind is expected, name


@pytest.mark.parametrize("head", [
    b"\x1a\x45\xdf\xa3" + bytes(40),            # Matroska / WebM
    b"RIFF\x00\x00\x00\x00AVI LIST" + bytes(30),  # AVI
    b"\x00\x00\x00\x18ftypmp42" + bytes(30),      # MP4
    b"\x00\x00\x00\x14ftypqt  " + bytes(30),      # QuickTime
])
def test_video_containers_are_sniffed(head: bytes) -> None:
    assert sniff_content_type(head) is ContentType.VIDEO


def test_heif_brands_are_photos_not_videos() -> None:
    assert sniff_content_type(b"\x00\x00\x00\x18ftypheic" + bytes(30)) is ContentType.PHOTO
    assert sniff_content_type(b"\x00\x00\x00\x18ftypavif" + bytes(30)) is ContentType.PHOTO


def test_loaded_media_checks_an_explicit_content_type() -> None:
    text = sample_path("not_media.txt").read_bytes()
    assert LoadedMedia.load(text).content_type is ContentType.FILE
    assert LoadedMedia.load(text, ContentType.FILE).content_type is ContentType.FILE
    with pytest.raises(UnsupportedMedia, match="expected photo content"):
        LoadedMedia.load(text, ContentType.PHOTO)
    with pytest.raises(UnsupportedMedia, match="expected video content"):
        LoadedMedia.load(sample_path("shapes.png"), ContentType.VIDEO)
    # a photo may still be treated as a plain file (exact hashes)
    photo = LoadedMedia.load(sample_path("shapes.png"))
    assert LoadedMedia.load(photo, ContentType.FILE).content_type is ContentType.FILE
    assert LoadedMedia.load(photo) is photo
