"""Languages of the public pages: choosing one per request and translating with Babel.

The language comes from the ``lang`` query parameter (the switcher's links carry it), else
from the browser's ``Accept-Language``, else English; no cookie remembers it. Catalogues are
shipped as ``.po`` files and compiled in memory on first use, so an editable install on a
fresh machine needs no build step.
"""

from __future__ import annotations

import gettext
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DEFAULT = "en"
# code -> name of the language in itself (what the switcher shows)
LANGUAGES: dict[str, str] = {
    "en": "English", "fr": "Français", "es": "Español", "de": "Deutsch",
    "pt": "Português", "th": "ไทย", "id": "Bahasa Indonesia",
}


@dataclass(frozen=True)
class Language:
    """One request's language: its code, writing direction and translation functions."""

    code: str
    dir: str
    translations: gettext.NullTranslations

    def gettext(self, message: str, **values: Any) -> str:
        """The translation of ``message``, with ``%(name)s`` placeholders filled in."""
        text = self.translations.gettext(message)
        return text % values if values else text

    def country_name(self, code: str, fallback: str | None = None) -> str:
        """A country's name in this language (Babel's CLDR data)."""
        return str(Locale.parse(self.code).territories.get(code.upper(), fallback or code))


@cache
def translations(code: str) -> gettext.NullTranslations:
    """The compiled catalogue of ``code`` (English: the messages as written)."""
    if code == DEFAULT:
        return gettext.NullTranslations()
    po = resources.files("crowsnest.web").joinpath("locale", code, "LC_MESSAGES", "messages.po")
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=code)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)  # fuzzy entries are left out, as msgfmt does
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def _direction(code: str) -> str:
    try:
        order = Locale.parse(code).character_order
    except (UnknownLocaleError, ValueError):
        return "ltr"
    return "rtl" if order == "right-to-left" else "ltr"


def parse_accept_language(header: str | None) -> list[tuple[str, str | None]]:
    """``(language, region)`` pairs from an Accept-Language header, most preferred first."""
    ranked: list[tuple[float, int, str, str | None]] = []
    for index, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        pieces = tag.strip().replace("_", "-").split("-")
        if not pieces[0] or pieces[0] == "*" or quality <= 0:
            continue
        region = next((p.upper() for p in pieces[1:] if len(p) == 2 and p.isalpha()), None)
        ranked.append((-quality, index, pieces[0].lower(), region))
    return [(lang, region) for _, _, lang, region in sorted(ranked)]


def choose(query_lang: str | None, accept_language: str | None) -> Language:
    """The language for a request: ``?lang=`` if we have it, else the browser's, else English."""
    code = query_lang if query_lang in LANGUAGES else None
    if code is None:
        code = next((lang for lang, _ in parse_accept_language(accept_language)
                     if lang in LANGUAGES), DEFAULT)
    return Language(code, _direction(code), translations(code))


def region_from_header(accept_language: str | None) -> str | None:
    """The first region named in Accept-Language (``fr-BE`` -> ``BE``), if any."""
    return next((region for _, region in parse_accept_language(accept_language) if region), None)
