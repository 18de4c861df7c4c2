"""Receipt codes: random, typo-resistant, stored only as hashes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crowsnest.core.errors import InvalidInput
from crowsnest.core.receipts import (
    ALPHABET,
    CODE_SYMBOLS,
    canonical,
    check_symbol,
    new_code,
    new_receipt,
    receipt_hash,
)


def test_codes_are_grouped_unique_and_valid() -> None:
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in list(codes)[:50]:
        assert canonical(code) == code
        groups = code.split("-")
        assert [len(g) for g in groups] == [4] * (CODE_SYMBOLS // 4)
        assert set(code.replace("-", "")) <= set(ALPHABET)


def test_hash_is_stable_under_typing_variants() -> None:
    code, stored = new_receipt()
    assert len(stored) == 64 and code not in stored
    sloppy = " " + code.lower().replace("-", " ") + " "
    assert receipt_hash(sloppy) == stored
    assert receipt_hash(code.replace("0", "o").replace("1", "l")) == stored


@given(st.text(alphabet=ALPHABET, min_size=CODE_SYMBOLS - 1, max_size=CODE_SYMBOLS - 1),
       st.integers(min_value=0, max_value=CODE_SYMBOLS - 1), st.sampled_from(ALPHABET))
def test_every_single_substitution_is_caught(payload: str, position: int, other: str) -> None:
    code = payload + check_symbol(payload)
    if code[position] == other:
        return
    typo = code[:position] + other + code[position + 1:]
    with pytest.raises(InvalidInput, match="typing mistake"):
        canonical(typo)


def test_adjacent_swaps_are_mostly_caught() -> None:
    caught = total = 0
    for _ in range(300):
        code = new_code().replace("-", "")
        for i in range(len(code) - 1):
            if code[i] == code[i + 1]:
                continue
            swapped = code[:i] + code[i + 1] + code[i] + code[i + 2:]
            total += 1
            try:
                canonical(swapped)
            except InvalidInput:
                caught += 1
    assert caught / total > 0.9


@pytest.mark.parametrize("bad", ["", "ABC", "U" * CODE_SYMBOLS, "*" * CODE_SYMBOLS, 5])
def test_malformed_codes_are_refused(bad: object) -> None:
    with pytest.raises(InvalidInput):
        canonical(bad)  # type: ignore[arg-type]
