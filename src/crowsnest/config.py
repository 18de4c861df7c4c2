"""Settings: one pydantic-settings class for the whole system.

Precedence: CLI flag > environment (``CROWSNEST_`` prefix) > ``crowsnest.toml`` in the
working directory (or the file named by ``CROWSNEST_CONFIG``) > default.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

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
