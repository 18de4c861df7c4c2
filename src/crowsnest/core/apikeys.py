"""API keys: generation, storage digest and scope rules (pure; storage lives in ``db``).

A key is ``cn_<id>_<secret>``: ``id`` is a short public handle (shown in listings and logs,
used to find the row), ``secret`` is 32 random bytes (256 bits) from :mod:`secrets`.
Only the SHA-256 of the whole key is stored. A plain fast hash is right here, unlike for
passwords: password hashing is slow on purpose because people pick guessable passwords,
but a 256-bit random secret cannot be guessed, so a stolen digest table gives an attacker
nothing to brute-force, and a fast digest keeps every request cheap.
Digests are compared with :func:`hmac.compare_digest` (constant time).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from crowsnest.core.errors import InvalidInput

PREFIX = "cn"
#: Scopes and what they allow; ``admin`` implies the others.
SCOPES: dict[str, str] = {
    "match": "hash and match content, look up hashes, read index status",
    "curate": "create, change and delete banks and their entries, import and export",
    "admin": "everything, including delivery status and webhook actions",
}
_IMPLIED: dict[str, frozenset[str]] = {
    "match": frozenset({"match"}),
    "curate": frozenset({"curate", "match"}),
    "admin": frozenset(SCOPES),
}
_KEY_RE = re.compile(rf"^{PREFIX}_([a-z0-9]{{8}})_([A-Za-z0-9_-]{{43}})$")


@dataclass(frozen=True)
class NewKey:
    """A freshly generated key: ``plaintext`` is shown once and never stored."""

    key_id: str
    plaintext: str
    digest: str


def digest(plaintext: str) -> str:
    """SHA-256 hex of a key: the only form that is stored."""
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def generate() -> NewKey:
    """A new random key (256-bit secret) with its public id and digest."""
    key_id = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(8))
    plaintext = f"{PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
    return NewKey(key_id=key_id, plaintext=plaintext, digest=digest(plaintext))


def parse_key_id(plaintext: str) -> str | None:
    """The public id inside a well-formed key, or ``None`` for anything else."""
    match = _KEY_RE.match(plaintext.strip())
    return match.group(1) if match else None


def matches(plaintext: str, stored_digest: str) -> bool:
    """Constant-time check of a presented key against a stored digest."""
    return hmac.compare_digest(digest(plaintext.strip()), stored_digest)


def normalise_scopes(scopes: list[str] | tuple[str, ...] | set[str]) -> list[str]:
    """Validated, de-duplicated, sorted scopes; raises ``InvalidInput`` for unknown ones."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise InvalidInput(f"unknown scope(s) {', '.join(unknown)} (known: {', '.join(SCOPES)})")
    if not scopes:
        raise InvalidInput("a key needs at least one scope")
    return sorted(set(scopes))


def grants(held: list[str] | tuple[str, ...] | set[str], required: str) -> bool:
    """Whether a key holding ``held`` scopes may do something that needs ``required``."""
    return any(required in _IMPLIED.get(scope, frozenset()) for scope in held)
