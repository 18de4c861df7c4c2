"""The schema of a help-directory file, as pydantic models.

One file holds one region: ``{"schema_version": 1, "region": ..., "countries": {CC: {...}},
"fallbacks": [...]}``. The models enforce shape and the rules that need no outside data
(a verified entry has a ``checked`` date, every entry has a ``source``, an entry offers at least
one way to reach it). Phone numbers, codes and dates are checked in ``services/directory.py``.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from crowsnest.core.directory import Kind

KindName = Literal["emergency", "helpline", "hotline", "police", "safer_internet_centre"]
assert set(KindName.__args__) == {k.value for k in Kind}  # type: ignore[attr-defined]


class _Strict(BaseModel):
    # a typo in a field name must be an error, not a silently ignored key
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PhoneModel(_Strict):
    """A phone number as dialled in its country, or in +international form."""

    number: str = Field(min_length=2, description="Digits, spaces, dashes, optional leading +.")
    label: str | None = Field(None, description="What this number is for, e.g. 'children'.")
    free: bool | None = Field(None, description="Free of charge to call, when the source says so.")


class EntryModel(_Strict):
    """One helpline, hotline, police reporting point, Safer Internet Centre or emergency number."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="Stable id, unique directory-wide.")
    kind: KindName
    name: str = Field(min_length=1)
    phones: list[PhoneModel] = Field(default_factory=list)
    web: str | None = None
    chat: str | None = None
    report_url: str | None = None
    hours: str | None = None
    languages: list[str] = Field(default_factory=list, description="ISO 639 codes.")
    source: str = Field(min_length=1, description="The organisation's own page stating these facts.")
    checked: date | None = Field(None, description="When the facts were checked against source.")
    verified: bool
    note: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> EntryModel:
        if self.verified and self.checked is None:
            raise ValueError("a verified entry needs the 'checked' date")
        if not (self.phones or self.web or self.chat or self.report_url):
            raise ValueError("an entry needs at least one phone, web, chat or report_url")
        if self.kind == "emergency" and not self.phones:
            raise ValueError("an emergency entry needs a phone number")
        return self


class CountryModel(_Strict):
    """A covered country: its English name and its entries."""

    name: str = Field(min_length=1)
    entries: list[EntryModel] = Field(min_length=1)


class DocumentModel(_Strict):
    """One directory file."""

    schema_version: Literal[1]
    region: str = Field(min_length=1)
    countries: dict[str, CountryModel] = Field(default_factory=dict)
    fallbacks: list[EntryModel] = Field(default_factory=list)
