"""Receipt codes given to people who report, so they can check a report's status later.

A code is 19 random symbols (95 bits from :mod:`secrets`) plus one check symbol, written
in Crockford's base-32 alphabet (no I, L, O, U, so nothing is mistaken for 1 or 0) in
groups of four: ``7K2M-QX9D-...``. The check symbol (Luhn mod 32) catches every single
mistyped symbol and most swapped neighbours before any database look-up.

Only a hash of a code is stored; the code itself is shown once to the reporter. The codes
carry enough entropy that a fast, unsalted SHA-256 is safe to store and to look up by.
"""

from __future__ import annotations

import hashlib
import secrets

from crowsnest.core.errors import InvalidInput

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RANDOM_SYMBOLS = 19
CODE_SYMBOLS = RANDOM_SYMBOLS + 1
GROUP = 4
_VALUE = {symbol: index for index, symbol in enumerate(ALPHABET)}
# Crockford's decoding of look-alikes, so a reporter's reading mistakes still work.
_ALIASES = {"O": "0", "I": "1", "L": "1"}


def check_symbol(payload: str) -> str:
    """The Luhn mod-32 check symbol of ``payload`` (symbols of :data:`ALPHABET`)."""
    n = len(ALPHABET)
    total = 0
    factor = 2
    for symbol in reversed(payload):
        addend = factor * _VALUE[symbol]
        total += addend // n + addend % n
        factor = 1 if factor == 2 else 2
    return ALPHABET[(n - total % n) % n]


def new_code() -> str:
    """A fresh receipt code, grouped for display."""
    payload = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_SYMBOLS))
    return _group(payload + check_symbol(payload))


def canonical(code: str) -> str:
    """The canonical (grouped, upper-case) form of a typed code, or :class:`InvalidInput`."""
    if not isinstance(code, str):
        raise InvalidInput("a receipt code must be text")
    compact = "".join(code.split()).replace("-", "").upper()
    compact = "".join(_ALIASES.get(symbol, symbol) for symbol in compact)
    if len(compact) != CODE_SYMBOLS:
        raise InvalidInput(f"a receipt code has {CODE_SYMBOLS} symbols; this one has {len(compact)}")
    bad = sorted({symbol for symbol in compact if symbol not in _VALUE})
    if bad:
        raise InvalidInput(f"a receipt code cannot contain {''.join(bad)!r}")
    if check_symbol(compact[:-1]) != compact[-1]:
        raise InvalidInput("this receipt code has a typing mistake (its check symbol does not match)")
    return _group(compact)


def receipt_hash(code: str) -> str:
    """The stored form of a receipt code: SHA-256 hex of its canonical spelling."""
    return hashlib.sha256(canonical(code).encode("ascii")).hexdigest()


def new_receipt() -> tuple[str, str]:
    """A fresh code for the reporter and the hash to store."""
    code = new_code()
    return code, receipt_hash(code)


def _group(compact: str) -> str:
    return "-".join(compact[i:i + GROUP] for i in range(0, len(compact), GROUP))
