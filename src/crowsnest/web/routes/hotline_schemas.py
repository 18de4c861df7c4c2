"""Request bodies of the hotline API (pydantic; never ORM objects)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class ReportIn(BaseModel):
    """A public report: URLs and text only (media uploads are refused)."""

    model_config = ConfigDict(extra="forbid")
    urls: list[str] = Field(description="One or more URLs where the material was seen.")
    where_seen: str = Field("other", description="website, social_media, messaging_app, game, "
                            "file_sharing or other")
    description: str | None = None
    reporter_country: str | None = Field(None, description="ISO 3166-1 alpha-2")
    reporter_language: str | None = Field(None, description="e.g. en, pt-BR")
    contact_email: str | None = Field(None, description="Optional, for feedback; deleted "
                                      "after the retention period")


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str
    password: str
    totp: str | None = None


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: str
    outcome: str | None = None
    note: str | None = None


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str | None = None


class ClassifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scheme: str
    value: str
    content_type: str | None = None
    age_group: str | None = None


class ItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    content_type: str
    scheme: str
    value: str
    hashes: dict[str, str] = Field(default_factory=dict)
    bank: str | None = Field(None, description="Add the hashes to this bank in the same step")
    note: str | None = None


class TraceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    resolve: bool = Field(False, description="Resolve the host name through DNS (logged)")


class TraceOverrideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ip: str | None = None
    country: str | None = None
    asn: int | None = None
    network_owner: str | None = None
    hosting_provider: str | None = None


class ProviderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = None
    email: str | None = None


class RouteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    provider: ProviderIn | None = None


class RemovalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    removed_at: datetime | None = None
    note: str | None = None


class RemovalCheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    hours: float = Field(48, ge=0, le=24 * 365)


class CyberTipIn(BaseModel):
    """Who files the report (the reporting person NCMEC will contact)."""

    model_config = ConfigDict(extra="forbid")
    first_name: str
    last_name: str
    email: str
    phone: str | None = None


class AnalystIn(BaseModel):
    """A new analyst account."""

    model_config = ConfigDict(extra="forbid")
    username: str = Field(description="Login name: 2-100 of a-z 0-9 . _ @ - (lower-cased)")
    password: str = Field(description="At least 12 characters")
    role: str = Field("analyst", description="analyst, supervisor or admin")
    display_name: str = ""
    totp: bool = Field(False, description="Require a one-time code; the secret is in the "
                       "answer once")


class AnalystPatchIn(BaseModel):
    """Change an account's role and/or disable or re-enable it (all or nothing)."""

    model_config = ConfigDict(extra="forbid")
    role: str | None = Field(None, description="analyst, supervisor or admin")
    disabled: bool | None = Field(None, description="true: no sign-in, sessions end at once; "
                                  "false: enabled again")


class PasswordResetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    password: str = Field(description="The new password (at least 12 characters)")


class TotpResetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enrol: bool = Field(False, description="Issue a new secret (in the answer once) instead "
                        "of removing the second factor")


class OwnPasswordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current_password: str
    new_password: str = Field(description="At least 12 characters")
