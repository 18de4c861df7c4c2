"""MD5 and SHA-256 signal types over any bytes."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crowsnest.core import registry
from crowsnest.core.errors import InvalidHash, MediaError
from crowsnest.core.index.exact import ExactIndex
from crowsnest.core.signals.base import ContentType
from crowsnest.core.signals.exact import Md5Signal, Sha256Signal
from crowsnest.testing.samples import sample_path

SIGNALS = [(Md5Signal(), hashlib.md5, 32), (Sha256Signal(), hashlib.sha256, 64)]


@pytest.mark.parametrize("signal,reference,length", SIGNALS)
def test_exact_hash_of_every_source_kind(signal, reference, length, tmp_path: Path) -> None:
    data = sample_path("moving_shapes.mp4").read_bytes()
    path = tmp_path / "clip.bin"
    path.write_bytes(data)
    expected = reference(data).hexdigest()
    for source in (data, path, io.BytesIO(data)):
        result = signal.hash(source)
        assert (result.signal_type, result.value) == (signal.name, expected)
    assert len(expected) == length


@pytest.mark.parametrize("signal,reference,length", SIGNALS)
def test_streams_larger_than_one_chunk(signal, reference, length, tmp_path: Path) -> None:
    data = bytes(range(256)) * 9000  # 2.3 MB: crosses the 1 MiB chunk boundary
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    assert signal.hash(path).value == signal.hash(data).value == reference(data).hexdigest()


@pytest.mark.parametrize("signal,reference,length", SIGNALS)
def test_registration_and_contract(signal, reference, length) -> None:
    registered = registry.signal_type(signal.name)
    assert type(registered) is type(signal)
    assert registered.content_types == set(ContentType)
    assert registered.default_threshold == registered.max_threshold == 0
    assert isinstance(registered.new_index(), ExactIndex)


@pytest.mark.parametrize("signal,reference,length", SIGNALS)
def test_empty_and_missing_inputs_are_media_errors(signal, reference, length, tmp_path) -> None:
    (tmp_path / "empty").write_bytes(b"")
    for source in (b"", tmp_path / "empty", io.BytesIO(b""), tmp_path / "missing"):
        with pytest.raises(MediaError):
            signal.hash(source)


@given(st.binary(min_size=16, max_size=32).map(bytes.hex))
def test_validate_canonicalises_and_rejects(value: str) -> None:
    md5 = Md5Signal()
    if len(value) == 32:
        assert md5.validate(f" {value.upper()} ") == value
    else:
        with pytest.raises(InvalidHash, match="must be 32 hex digits"):
            md5.validate(value)


@pytest.mark.parametrize("bad", ["", "z" * 64, "0" * 63, "0" * 32])
def test_sha256_rejects_malformed(bad: str) -> None:
    with pytest.raises(InvalidHash, match="invalid sha256 hash"):
        Sha256Signal().validate(bad)


def test_distance_is_zero_only_for_equal_values() -> None:
    md5 = Md5Signal()
    assert md5.distance("a" * 32, "a" * 32) == 0
    assert md5.distance("a" * 32, "b" * 32) == 1
    assert md5.matches("a" * 32, "a" * 32) and not md5.matches("a" * 32, "b" * 32)
