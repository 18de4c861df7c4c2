"""The hash-chained audit log detects every alteration, deletion and re-ordering."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta

import pytest

from crowsnest.core.audit import GENESIS, AuditRecord, seal, verify_chain
from crowsnest.core.errors import InvalidInput

T0 = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)


def chain(n: int) -> list[AuditRecord]:
    records: list[AuditRecord] = []
    for i in range(n):
        records.append(seal(records[-1] if records else None, actor=f"analyst{i % 2}",
                            action="case.view" if i % 3 else "case.assess",
                            subject_type="case", subject_id=i, detail={"n": i, "note": "é"},
                            at=T0 + timedelta(minutes=i)))
    return records


def test_a_sound_chain_verifies() -> None:
    records = chain(20)
    assert records[0].prev_hash == GENESIS and records[0].seq == 1
    assert records[0].at == "2026-01-02T03:04:05.678901Z"
    check = verify_chain(records)
    assert check.ok and check.checked == 20 and check.broken_at is None
    # the same records as plain dicts (as read back from a database) verify too
    assert verify_chain(asdict(r) for r in records).ok
    assert verify_chain([]).ok


@pytest.mark.parametrize("field", ["actor", "action", "subject_id", "at"])
def test_an_altered_field_is_found(field: str) -> None:
    records = chain(10)
    records[4] = replace(records[4], **{field: "changed"})
    check = verify_chain(records)
    assert not check.ok and check.broken_at == 5 and "altered" in check.reason


def test_altered_detail_and_rehashed_record_break_the_next_link() -> None:
    records = chain(10)
    forged = replace(records[3], detail={"n": 99})
    from crowsnest.core.audit import record_hash

    records[3] = replace(forged, hash=record_hash(forged.prev_hash, forged.body()))
    check = verify_chain(records)
    assert check.broken_at == 5 and "previous-hash" in check.reason


def test_deleted_and_swapped_records_are_found() -> None:
    records = chain(8)
    assert verify_chain(records[:3] + records[4:]).broken_at == 5
    swapped = records[:2] + [records[3], records[2]] + records[4:]
    assert verify_chain(swapped).broken_at == 4
    assert verify_chain(records[1:]).broken_at == 2  # the first record is missing


def test_verifying_a_tail_from_a_checkpoint() -> None:
    records = chain(6)
    assert verify_chain(records[3:], start_hash=records[2].hash, start_seq=4).ok


def test_bad_records_are_refused() -> None:
    with pytest.raises(InvalidInput):
        seal(None, actor="", action="x", subject_type="case", subject_id=1)
    with pytest.raises(InvalidInput):
        seal(None, actor="a", action="x", subject_type="case", subject_id=1, detail={"x": object()})
    with pytest.raises(InvalidInput):
        seal(None, actor="a", action="x", subject_type="case", subject_id=1, detail={"x": "y" * 20000})
    with pytest.raises(InvalidInput):
        seal(None, actor="a", action="x", subject_type="case", subject_id=1, at=datetime(2026, 1, 1))
