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
