"""Matching service: thresholds, exact lookups, disabled state, bank filters, orientations."""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image, ImageOps
from sqlalchemy.orm import Session

from crowsnest.core.errors import InvalidInput, NotFound, UnknownSignalType
from crowsnest.services import banks
from crowsnest.services.matching import Matcher
from crowsnest.testing.samples import sample_path
from hashes import flip_bits, random_pdq


@pytest.fixture
def base() -> str:
    return random_pdq(random.Random(5))


def planted(session: Session, bank: str, base: str, distances: list[int]) -> dict[int, int]:
    """Add near-duplicates of ``base`` at the given distances; entry id -> distance."""
    rng = random.Random(len(distances))
    out = {}
    for d in distances:
        entry = banks.add_hash(session, bank, "pdq", flip_bits(base, d, rng), labels=[f"d{d}"])
        out[entry.entry.id] = d
    return out


def found(matcher: Matcher, session: Session, value: str, **kw: object) -> dict[int, int]:
    items = matcher.match_signals(session, {"pdq": value}, **kw)  # type: ignore[arg-type]
    return {m.entry_id: m.distance for m in items}


def test_default_threshold_is_31_and_per_query_threshold_wins(
    db_session: Session, base: str,
) -> None:
    banks.create_bank(db_session, "b")
    ids = planted(db_session, "b", base, [0, 10, 30, 31, 32, 40])
    matcher = Matcher.build(db_session)
    assert sorted(found(matcher, db_session, base).values()) == [0, 10, 30, 31]
    assert sorted(found(matcher, db_session, base, threshold=10).values()) == [0, 10]
    assert sorted(found(matcher, db_session, base, threshold=40).values()) == [0, 10, 30, 31,
                                                                              32, 40]
    item = matcher.match_signals(db_session, {"pdq": base}, threshold=0)[0]
    assert item.to_dict() == {"bank": "b", "entry_id": min(ids), "signal_type": "pdq",
                              "distance": 0, "labels": ["d0"]}
    for bad in (-1, 65):
        with pytest.raises(InvalidInput):
            found(matcher, db_session, base, threshold=bad)


def test_per_bank_threshold_override(db_session: Session, base: str) -> None:
    banks.create_bank(db_session, "strict", pdq_threshold=10)
    banks.create_bank(db_session, "loose", pdq_threshold=40)
    strict = planted(db_session, "strict", base, [5, 11, 20])
    loose = planted(db_session, "loose", base, [33, 40, 41])
    matcher = Matcher.build(db_session)
    assert found(matcher, db_session, base) == {
        **{i: d for i, d in strict.items() if d <= 10}, **{i: d for i, d in loose.items()
                                                           if d <= 40}}
    # raised after the build: read fresh at query time
    banks.update_bank(db_session, "strict", pdq_threshold=25)
    assert sorted(found(matcher, db_session, base).values()) == [5, 11, 20, 33, 40]


def test_disabled_banks_and_entries_never_match(db_session: Session, base: str) -> None:
    banks.create_bank(db_session, "on")
    banks.create_bank(db_session, "off")
    on = planted(db_session, "on", base, [1, 2])
    planted(db_session, "off", base, [3])
    banks.set_bank_enabled(db_session, "off", False)
    disabled_id = min(on)
    banks.set_entry_enabled(db_session, disabled_id, False)
    fresh = Matcher.build(db_session)
    assert fresh.sizes()["pdq"] == 1
    assert set(found(fresh, db_session, base)) == {max(on)}
    # disabling after a build also takes effect at once
    banks.set_entry_enabled(db_session, disabled_id, True)
    stale = Matcher.build(db_session)
    banks.set_entry_enabled(db_session, disabled_id, False)
    banks.set_bank_enabled(db_session, "on", False)
    assert found(stale, db_session, base) == {}


def test_bank_filter(db_session: Session, base: str) -> None:
    banks.create_bank(db_session, "a")
    banks.create_bank(db_session, "b")
    in_a = planted(db_session, "a", base, [1])
    in_b = planted(db_session, "b", base, [2])
    matcher = Matcher.build(db_session)
    assert found(matcher, db_session, base, banks=["a"]) == in_a
    assert found(matcher, db_session, base, banks=["a", "b"]) == {**in_a, **in_b}
    only_b = Matcher.build(db_session, banks=["b"])
    assert found(only_b, db_session, base) == in_b
    with pytest.raises(NotFound):
        Matcher.build(db_session, banks=["nope"])
    with pytest.raises(NotFound):
        found(matcher, db_session, base, banks=["nope"])


def test_exact_signal_types_and_bad_query_values(db_session: Session) -> None:
    banks.create_bank(db_session, "b")
    md5 = banks.add_hash(db_session, "b", "md5", "a" * 32, labels=["x"]).entry
    banks.add_hash(db_session, "b", "sha256", "c" * 64)
    matcher = Matcher.build(db_session)
    items = matcher.match_signals(db_session, {"md5": "A" * 32, "sha256": "d" * 64})
    assert [(m.entry_id, m.signal_type, m.distance) for m in items] == [(md5.id, "md5", 0)]
    with pytest.raises(UnknownSignalType):
        matcher.match_signals(db_session, {"nosuch": "a" * 32})
    with pytest.raises(InvalidInput):
        matcher.match_signals(db_session, {"md5": "a" * 31})


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def test_orientation_variants_catch_a_mirrored_copy(db_session: Session) -> None:
    banks.create_bank(db_session, "b")
    banks.add_media(db_session, "b", sample_path("shapes.png"))
    with Image.open(sample_path("shapes.png")) as image:
        mirrored = _jpeg(ImageOps.mirror(image.convert("RGB")))
    matcher = Matcher.build(db_session)
    assert matcher.match_media(db_session, mirrored, orientations="original").matches == []
    result = matcher.match_media(db_session, mirrored, orientations="all")
    (item,) = result.matches
    assert item.signal_type == "pdq" and item.distance <= 31
    assert item.variant == "mirror_left_right" and item.to_dict()["variant"] == item.variant
    same = matcher.match_media(db_session, sample_path("shapes.png"), orientations="all")
    assert {(m.signal_type, m.variant) for m in same.matches} == {
        ("pdq", None), ("md5", None), ("sha256", None)}
    with pytest.raises(InvalidInput):
        matcher.match_media(db_session, mirrored, orientations="some")  # type: ignore[arg-type]


def test_videos_match_through_vpdq_and_exact_hashes(db_session: Session) -> None:
    banks.create_bank(db_session, "v")
    added = banks.add_media(db_session, "v", sample_path("moving_shapes.mp4"), labels=["vid"])
    assert {r.entry.signal_type for r in added} == {"vpdq", "md5", "sha256"}
    result = Matcher.build(db_session).match_media(db_session, sample_path("moving_shapes.mp4"))
    assert result.hashed.content_type == "video" and result.hashed.variants == {}
    assert {(m.signal_type, m.labels[0]) for m in result.matches} == {
        ("vpdq", "vid"), ("md5", "vid"), ("sha256", "vid")}


def test_low_quality_photos_are_not_matched_by_pdq(db_session: Session) -> None:
    banks.create_bank(db_session, "b")
    banks.add_media(db_session, "b", sample_path("flat_grey.png"))
    matcher = Matcher.build(db_session)
    result = matcher.match_media(db_session, sample_path("flat_grey.png"))
    assert result.hashed.signals["pdq"].quality < 50
    assert {m.signal_type for m in result.matches} == {"md5", "sha256"}
    forced = matcher.match_media(db_session, sample_path("flat_grey.png"), min_pdq_quality=0)
    assert "pdq" in {m.signal_type for m in forced.matches}
