"""Property: matching through the service returns exactly the brute-force set.

Random banks (some disabled, some with their own threshold), entries planted at distances
0-40 from the query plus random far ones (some disabled), queried at the threshold edges
30/31/32 and with the bank defaults. The oracle is a plain popcount over every entry.
"""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from crowsnest.services import banks
from crowsnest.services.matching import Matcher
from hashes import flip_bits, random_pdq

bank_strategy = st.fixed_dictionaries({
    "enabled": st.booleans(),
    "threshold": st.sampled_from([None, None, 30, 31, 32]),
    # distances cluster at the threshold edges, where an off-by-one would show
    "planted": st.lists(st.tuples(st.one_of(st.integers(0, 40), st.sampled_from([30, 31, 32])),
                                  st.booleans()), max_size=12),
    "far": st.integers(0, 5),
})


def distance(a: str, b: str) -> int:
    return bin(int(a, 16) ^ int(b, 16)).count("1")


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=st.lists(bank_strategy, min_size=1, max_size=4),
       threshold=st.sampled_from([None, None, 30, 31, 32]), seed=st.integers(0, 2**32 - 1))
def test_service_matches_equal_brute_force(
    db_session: Session, specs: list[dict], threshold: int | None, seed: int,
) -> None:
    rng = random.Random(seed)
    query = random_pdq(rng)
    savepoint = db_session.begin_nested()  # each example starts from an empty database
    try:
        # entry id -> (value, enabled, bank spec); a duplicate value merges into one entry,
        # which stays disabled once disabled
        stored: dict[int, tuple[str, bool, dict]] = {}
        for number, spec in enumerate(specs):
            name = f"bank{number}"
            banks.create_bank(db_session, name, pdq_threshold=spec["threshold"])
            values = [(flip_bits(query, d, rng), on) for d, on in spec["planted"]]
            values += [(random_pdq(rng), True) for _ in range(spec["far"])]
            for value, on in values:
                entry = banks.add_hash(db_session, name, "pdq", value).entry
                if not on:
                    banks.set_entry_enabled(db_session, entry.id, False)
                was_on = stored.get(entry.id, (value, True, spec))[1]
                stored[entry.id] = (value, was_on and on, spec)
            banks.set_bank_enabled(db_session, name, spec["enabled"])
        matcher = Matcher.build(db_session)
        got = {(m.entry_id, m.distance)
               for m in matcher.match_signals(db_session, {"pdq": query}, threshold=threshold)}
        expected = set()
        for entry_id, (value, on, spec) in stored.items():
            limit = threshold if threshold is not None else (
                spec["threshold"] if spec["threshold"] is not None else 31)
            d = distance(query, value)
            if on and spec["enabled"] and d <= limit:
                expected.add((entry_id, d))
        assert got == expected
    finally:
        savepoint.rollback()
