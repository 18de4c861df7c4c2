"""Settings: one pydantic-settings class for the whole system.

Precedence: CLI flag > environment (``CROWSNEST_`` prefix) > ``crowsnest.toml`` in the
working directory (or the file named by ``CROWSNEST_CONFIG``) > default.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


def _toml_path() -> Path:
    return Path(os.environ.get("CROWSNEST_CONFIG", "crowsnest.toml"))


class Settings(BaseSettings):
    """Every tunable of crowsnest; each field says what it does."""

    model_config = SettingsConfigDict(env_prefix="CROWSNEST_", extra="ignore")

    database_url: str = Field(
        "sqlite:///crowsnest.db",
        description="SQLAlchemy URL of the database. SQLite file in the working directory by "
        "default; PostgreSQL for production, e.g. postgresql+psycopg://user@host/db.",
    )
    environment: str = Field(
        "dev", description="'dev' or 'production'; production refuses default secrets."
    )
    max_image_pixels: int = Field(
        100_000_000,
        description="Images with more pixels than this are refused before decoding "
        "(decompression-bomb guard).",
    )
    max_upload_bytes: int = Field(
        200 * 1024 * 1024, description="Largest media file accepted for hashing, in bytes."
    )
    pdq_threshold: int = Field(31, description="Default PDQ match threshold (Hamming distance).")
    # --- match service (crowsnest serve) ---
    url_fetch_enabled: bool = Field(
        False, description="Allow GET /h/hash?url= and /m/lookup?url= to fetch media by URL. "
        "Off by default; when on, private/loopback/link-local addresses are always refused."
    )
    max_batch_hashes: int = Field(1000, description="Most hashes accepted in one batch match request.")
    index_poll_interval_s: float = Field(
        1.0, description="How often each worker polls the change log to update its in-memory indexes."
    )
    index_stale_after_s: float = Field(
        30.0, description="A worker whose indexes were not refreshed for this long reports not ready."
    )
    index_dir: str = Field(
        "auto",
        description="Directory where each worker keeps memory-mappable snapshots of its match "
        "indexes, so a restart is ready in seconds instead of rebuilding from the database. "
        "'auto': next to a SQLite database file (<file>.index), off for other databases; "
        "'off': no snapshots; any other value: that directory (share it between the workers "
        "of one host; a file lock keeps one writer at a time).",
    )
    index_snapshot_interval_s: float = Field(
        600.0, description="How often a worker re-writes its index snapshot when its indexes "
        "changed since the last one (0: only at start-up and shutdown)."
    )
    api_key_cache_ttl_s: float = Field(
        5.0, description="Seconds a verified API key is cached per worker (revocation takes effect "
        "within this time)."
    )
    outbox_poll_interval_s: float = Field(1.0, description="How often the outbox worker looks for due deliveries.")
    outbox_max_attempts: int = Field(8, description="Delivery attempts before an outbox row is marked dead.")
    outbox_backoff_base_s: float = Field(2.0, description="First retry delay; doubles per attempt (with jitter).")
    outbox_backoff_max_s: float = Field(3600.0, description="Longest delay between two delivery attempts.")
    webhook_timeout_s: float = Field(10.0, description="Timeout of one webhook delivery attempt.")
    run_background_workers: bool = Field(
        True, description="Run the index sync and outbox workers inside the web process."
    )
    # --- hotline (issue 5) ---
    smtp_host: str = Field("127.0.0.1", description="SMTP server used by the email destination.")
    smtp_port: int = Field(25, description="Port of the SMTP server.")
    smtp_starttls: bool = Field(
        False, description="Require STARTTLS on the SMTP connection (refuse to send without it)."
    )
    smtp_ca_file: str | None = Field(
        None, description="CA bundle to verify the SMTP server's certificate (system CAs if unset)."
    )
    smtp_username: str | None = Field(None, description="SMTP login name, if the server needs one.")
    smtp_password: str | None = Field(None, description="SMTP password (use with STARTTLS).")
    smtp_from: str = Field(
        "crowsnest@localhost", description="Sender address of notices and forwards sent by e-mail."
    )
    smtp_timeout: float = Field(30.0, description="Seconds before an SMTP attempt is given up.")
    hotline_peer_keys: dict[str, str] = Field(
        default_factory=dict,
        description="Shared secrets for hotline-to-hotline forwards, by key id (JSON object). "
        "Used to sign forwards to peers and to verify forwards from them.",
    )
    cybertipline_url: str = Field(
        "https://exttest.cybertip.org/ispws",
        description="Base URL of NCMEC's CyberTipline reporting API (NCMEC's test environment by "
        "default; https://report.cybertip.org/ispws in production).",
    )
    cybertipline_username: str | None = Field(None, description="CyberTipline API user name.")
    cybertipline_password: str | None = Field(None, description="CyberTipline API password.")
    hotline_own_country: str = Field(
        "NL", description="ISO 3166-1 alpha-2 country of this hotline (drives routing rules)."
    )
    hotline_name: str = Field("crowsnest hotline", description="Sender name on notices and forwards.")
    hotline_email: str = Field(
        "hotline@localhost", description="Reply address printed on notices and forwards."
    )
    hotline_reference_prefix: str = Field(
        "CN", description="Prefix of case references on notices (e.g. CN-123)."
    )
    hotline_contacts: dict[str, dict[str, object]] = Field(
        default_factory=dict,
        description="Where routed cases go, overriding the help directory, keyed 'hotline:DE', "
        "'police:NL' or 'provider:AS64500': {\"name\", \"destination\": \"crowsnest\"|\"email\"|..., "
        "\"target\": {...}, \"language\"}. Contacts without one are sent by hand.",
    )
    hotline_contact_retention_days: int = Field(
        90, description="Days a reporter's contact e-mail is kept before it is deleted."
    )
    housekeeping_interval_s: float = Field(
        3600.0, description="How often a service worker applies retention limits (reporter "
        "contact deletion, expired forward nonces)."
    )
    hotline_intake_burst: int = Field(
        20, description="Reports one client may send at once before the rate limit applies."
    )
    hotline_intake_per_minute: float = Field(
        6.0, description="Reports per minute one client may send after the burst."
    )
    hotline_ratelimit_backend: Literal["auto", "memory", "database"] = Field(
        "auto", description="Where intake rate-limit buckets live: 'memory' (one process), "
        "'database' (shared by every worker and replica, atomic on PostgreSQL and SQLite) or "
        "'auto': database on PostgreSQL or when `crowsnest serve` runs several workers, "
        "memory for one process on SQLite."
    )
    hotline_ratelimit_secret: str | None = Field(
        None, description="Master secret (16+ characters) from which each rotation period's "
        "client-key secret is derived by HMAC, so every replica keys a client alike. Required "
        "outside dev with the database backend; otherwise each process draws a random one."
    )
    hotline_ratelimit_rotation_s: float = Field(
        86400.0, description="Seconds a client-key secret is used before the next period's "
        "(keys of different periods cannot be linked)."
    )
    hotline_ratelimit_retention_s: float = Field(
        3600.0, description="Seconds a client's bucket is kept after its last request (never "
        "less than a full refill); the housekeeping deletes older ones."
    )
    hotline_resolve_hosts: bool = Field(
        False, description="Resolve reported host names through DNS when tracing (logged)."
    )
    hotline_asn_table: str | None = Field(
        None, description="Path of an ip2asn-layout TSV (range start, end, AS number, country, "
        "owner) used to name a host's network owner when tracing; none by default."
    )
    # --- public web pages (issue 6) ---
    web_csrf_secret: str | None = Field(
        None, description="Secret that signs the report forms' CSRF tokens. Set the same value on "
        "every replica; when unset each process makes a random one (fine for one process)."
    )
    web_quick_exit_url: str = Field(
        "https://www.bbc.com/weather",
        description="Neutral page the public pages' quick-exit button and Escape key leave for.",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # init (CLI flags) > env > toml file > defaults
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, _toml_path()))


@lru_cache
def get_settings(**overrides: Any) -> Settings:
    """The process-wide settings; ``overrides`` are CLI flags and win over everything."""
    return Settings(**overrides)
