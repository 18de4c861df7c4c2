"""One error hierarchy for the whole of crowsnest.

Every failure that a user can cause or meet is a :class:`CrowsnestError`. Each class
carries the HTTP status the web layer answers with and the exit code the CLI exits
with, so both interfaces render errors through a single handler each.

Exit codes: 1 general failure, 2 bad input, 3 external dependency unavailable.
"""

from __future__ import annotations

from typing import Any


class CrowsnestError(Exception):
    """Base of every crowsnest error. ``code`` is a stable machine-readable key."""

    code: str = "error"
    http_status: int = 500
    exit_code: int = 1

    def __init__(self, message: str, *, detail: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape shared by the API and the CLI's ``--json`` output."""
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.detail is not None:
            out["detail"] = self.detail
        return out


class InvalidInput(CrowsnestError):
    """The caller sent something we cannot use."""

    code = "invalid_input"
    http_status = 422
    exit_code = 2


class InvalidHash(InvalidInput):
    """A hash value is malformed for its signal type (wrong length, not hex, ...)."""

    code = "invalid_hash"


class UnknownSignalType(InvalidInput):
    """No signal type is registered under the given name."""

    code = "unknown_signal_type"


class UnknownFormat(InvalidInput):
    """No hash-list format is registered under the given name."""

    code = "unknown_format"


class MediaError(InvalidInput):
    """Media bytes could not be decoded (truncated, corrupt, empty, not media)."""

    code = "unreadable_media"


class UnsupportedMedia(MediaError):
    """The bytes are not of a content type the signal type can hash."""

    code = "unsupported_media"
    http_status = 415


class MediaTooLarge(MediaError):
    """Refused before decoding: too many pixels (decompression bomb) or too many bytes."""

    code = "media_too_large"
    http_status = 413


class FormatError(InvalidInput):
    """A hash list is malformed. ``line`` is the 1-based line (or row) number."""

    code = "malformed_hash_list"

    def __init__(self, message: str, *, line: int | None = None, detail: Any = None) -> None:
        if line is not None and detail is None:
            detail = {"line": line}
        super().__init__(f"line {line}: {message}" if line is not None else message, detail=detail)
        self.line = line


class NotFound(CrowsnestError):
    """A named or numbered thing does not exist."""

    code = "not_found"
    http_status = 404
    exit_code = 2


class Conflict(CrowsnestError):
    """The change collides with existing state (e.g. a duplicate bank name)."""

    code = "conflict"
    http_status = 409
    exit_code = 2


class Unauthorized(CrowsnestError):
    """No valid credentials were presented."""

    code = "unauthorized"
    http_status = 401
    exit_code = 2


class Forbidden(CrowsnestError):
    """Credentials are valid but lack the required scope or role."""

    code = "forbidden"
    http_status = 403
    exit_code = 2


class ExternalDependencyError(CrowsnestError):
    """A database, network peer or other dependency is unavailable."""

    code = "dependency_unavailable"
    http_status = 503
    exit_code = 3


class SchemaOutOfDate(CrowsnestError):
    """The database schema is missing or older than this code; run ``crowsnest db upgrade``."""

    code = "schema_out_of_date"
    http_status = 503
    exit_code = 3


class RateLimited(CrowsnestError):
    """Too many requests from one client; ``retry_after`` is in seconds."""

    code = "rate_limited"
    http_status = 429
    exit_code = 1

    def __init__(self, message: str, *, retry_after: float, detail: Any = None) -> None:
        super().__init__(message, detail=detail if detail is not None else
                         {"retry_after": round(retry_after, 3)})
        self.retry_after = retry_after


class InvalidForward(Unauthorized):
    """A signed message (hotline forward) is unsigned, wrongly signed, stale or replayed."""

    code = "invalid_forward"


class IndexStoreError(CrowsnestError):
    """A saved index directory is missing, corrupt or of an unknown format version."""

    code = "index_store_invalid"


class ConfigurationError(InvalidInput):
    """The settings cannot run safely (e.g. a production service without a needed secret)."""

    code = "invalid_configuration"
