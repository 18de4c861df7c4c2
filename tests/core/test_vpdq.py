"""vPDQ: frame sampling, the stored format, the match rule, the index, and the reference."""

from __future__ import annotations

import json
import random
from fractions import Fraction
from pathlib import Path

import pytest
from media_factories import make_video

from crowsnest.core import registry
from crowsnest.core.errors import InvalidHash, MediaError, MediaTooLarge, UnsupportedMedia
from crowsnest.core.index.base import IndexMatch
from crowsnest.core.index.vpdq import VpdqBruteForceIndex
from crowsnest.core.signals.pdq import PdqSignal
from crowsnest.core.signals.vpdq import (
    VpdqFrame,
    VpdqSignal,
    match_distance,
    parse_frames,
    serialise_frames,
    vpdq_match,
)
from crowsnest.core.video import sample_frames
from crowsnest.testing.samples import sample_path

VPDQ = VpdqSignal()
PDQ = PdqSignal()


def rand_hex(rng: random.Random) -> str:
    return f"{rng.getrandbits(256):064x}"


def flip(value: str, count: int, rng: random.Random) -> str:
    number = int(value, 16)
    for bit in rng.sample(range(256), count):
        number ^= 1 << bit
    return f"{number:064x}"


def frames_of(hexes: list[str], quality: int = 100) -> list[VpdqFrame]:
    return [VpdqFrame(h, quality, float(i)) for i, h in enumerate(hexes)]


def test_sample_video_hashes_one_frame_per_second() -> None:
    result = VPDQ.hash(sample_path("moving_shapes.mp4"))  # 4 s at 10 frames/s
    frames = parse_frames(result.value)
    assert [f.timestamp for f in frames] == [0.0, 1.0, 2.0, 3.0]
    assert result.extra == {"frames": 4, "usable_frames": 4, "seconds_per_hash": 1.0}
    numbers = [f.frame_number for f in VPDQ.frames(sample_path("moving_shapes.mp4"))]
    assert numbers == [0, 10, 20, 30]
    assert VPDQ.validate(result.value) == result.value


def test_serialisation_is_python_threatexchange_compatible() -> None:
    rng = random.Random(1)
    frames = [VpdqFrame(rand_hex(rng), 100, 0.0), VpdqFrame(rand_hex(rng), 48, 1.0)]
    text = serialise_frames(frames)
    assert json.loads(text) == [f"{frames[0].pdq_hex},100,0.000", f"{frames[1].pdq_hex},48,1.000"]
    assert parse_frames(text) == frames
    # python-threatexchange writes timestamps with "{:.3}" (3 significant digits)
    legacy = json.dumps([f"{frames[0].pdq_hex},100,1e+02"])
    assert parse_frames(legacy)[0].timestamp == 100.0


def test_old_dict_format_with_reference_words_is_read() -> None:
    words = [64596, 32820, 28068, 11427, 34520, 65353, 6205, 28646,
             57607, 4082, 27039, 14395, 53857, 52056, 9913, 58409]
    old = json.dumps({"30": {"quality": 99, "hash": {"w": words}, "timestamp": 1.0}})
    (frame,) = parse_frames(old)
    assert frame.pdq_hex == "".join(f"{w:04x}" for w in reversed(words))
    assert (frame.quality, frame.timestamp, frame.frame_number) == (99, 1.0, 30)


@pytest.mark.parametrize("bad", [
    "", "not json", "{}", "[]", "42", '["abc,100,0"]', '["' + "0" * 64 + ',101,0"]',
    '["' + "0" * 64 + ',100,-1"]', '["' + "0" * 64 + ',100"]', '["' + "g" * 64 + ',100,0"]',
    '[1, 2]', '["' + "0" * 64 + ',x,0"]', '{"0": {"quality": 1}}',
])
def test_malformed_values_are_invalid_hashes(bad: str) -> None:
    with pytest.raises(InvalidHash, match="invalid vPDQ"):
        VPDQ.validate(bad)


def test_match_rule_counts_unique_quality_frames_both_ways() -> None:
    rng = random.Random(2)
    shared = [rand_hex(rng) for _ in range(4)]
    query = frames_of([*shared, rand_hex(rng)])  # 4 of 5 query frames are in the target
    target = frames_of([flip(h, 20, rng) for h in shared] + [rand_hex(rng) for _ in range(4)])
    assert vpdq_match(query, target) == (80.0, 50.0)
    # duplicates count once, low-quality frames not at all
    target_dup = target + frames_of([target[0].pdq_hex]) + frames_of([shared[0]], quality=49)
    assert vpdq_match(query, target_dup) == (80.0, 50.0)
    # a frame further than the frame distance does not match
    far = frames_of([flip(h, 40, rng) for h in shared])
    assert vpdq_match(query, far) == (0.0, 0.0)
    assert vpdq_match(query, far, distance=40) == (80.0, 100.0)
    assert vpdq_match(query, frames_of(shared, quality=10)) == (0.0, 0.0)


def test_distance_uses_the_better_share_and_rounds_up() -> None:
    assert match_distance(80.0, 10.0) == 20
    assert match_distance(10.0, 80.0) == 20
    assert match_distance(79.6, 0.0) == 21
    assert match_distance(100.0, 100.0) == 0
    assert match_distance(0.0, 0.0) == 100
    rng = random.Random(3)
    shared = [rand_hex(rng) for _ in range(4)]
    a = serialise_frames(frames_of([*shared, rand_hex(rng)]))
    b = serialise_frames(frames_of(shared))
    assert VPDQ.distance(a, b) == 0 and VPDQ.matches(a, b)


def test_index_agrees_with_the_match_oracle() -> None:
    rng = random.Random(4)
    pool = [rand_hex(rng) for _ in range(30)]
    videos = {}
    for entry_id in range(40):
        picked = rng.sample(pool, rng.randint(1, 8))
        videos[entry_id] = serialise_frames(frames_of([flip(h, rng.randint(0, 40), rng)
                                                       for h in picked],
                                                      quality=rng.choice([30, 100, 100])))
    index = VpdqBruteForceIndex()
    index.add(videos.items())
    assert len(index) == 40
    for _ in range(10):
        query = serialise_frames(frames_of(rng.sample(pool, rng.randint(1, 10))))
        for threshold in (0, 20, 50, 99):
            expected = sorted(
                IndexMatch(VPDQ.distance(query, value), entry_id)
                for entry_id, value in videos.items()
                if VPDQ.distance(query, value) <= threshold)
            assert index.query(query, threshold) == expected
    index.remove([0, 1, 999])
    assert len(index) == 38


def test_index_add_is_all_or_nothing() -> None:
    index = VpdqBruteForceIndex()
    good = serialise_frames(frames_of(["0" * 64]))
    with pytest.raises(InvalidHash):
        index.add([(1, good), (2, "broken")])
    assert len(index) == 0
    assert isinstance(VPDQ.new_index(), VpdqBruteForceIndex)
    assert registry.signal_type("vpdq").default_threshold == 20


def test_bad_videos_raise_media_errors(tmp_path: Path) -> None:
    data = sample_path("moving_shapes.mp4").read_bytes()
    with pytest.raises(MediaError):
        VPDQ.hash(data[: len(data) // 3])
    with pytest.raises(UnsupportedMedia):
        VPDQ.hash(sample_path("shapes.png"))
    with pytest.raises(UnsupportedMedia):
        VPDQ.hash(sample_path("not_media.txt"))
    with pytest.raises(MediaTooLarge, match="160x120"):
        list(sample_frames(data, max_pixels=160 * 120 - 1))
    with pytest.raises(MediaTooLarge, match="more than 5 frames"):
        list(sample_frames(data, max_pixels=10**6, max_frames=5))




@pytest.fixture(scope="module")
def reference_vpdq():
    return pytest.importorskip(
        "vpdq", reason="Meta's reference vpdq package is not installed "
        "(needs FFmpeg dev headers; see docs/hashing.md)")


@pytest.mark.parametrize("fps,codec,fmt", [
    (10, "libx264", "mp4"),
    (Fraction(30000, 1001), "libx264", "mp4"),  # 29.97: sampling every 29th frame
    (25, "mpeg4", "avi"),
    (24, "libvpx-vp9", "webm"),
])
def test_frames_equal_the_reference_vpdq(reference_vpdq, tmp_path: Path, fps, codec, fmt
                                         ) -> None:
    path = tmp_path / f"clip.{fmt}"
    make_video(path, seconds=4, fps=fps, size=(192, 144), codec=codec, container_format=fmt)
    theirs = reference_vpdq.computeHash(str(path), seconds_per_hash=1.0)
    ours = VPDQ.frames(path)
    assert [f.frame_number for f in ours] == [f.frame_number for f in theirs]
    assert [f.quality for f in ours] == [f.quality for f in theirs]
    assert [round(f.timestamp, 3) for f in ours] == [round(f.timestamp, 3) for f in theirs]
    # measured: identical hashes (distance 0) for every frame of these clips
    pairs = zip(ours, theirs, strict=True)
    assert [PDQ.distance(a.pdq_hex, b.hex) for a, b in pairs] == [0] * len(ours)
