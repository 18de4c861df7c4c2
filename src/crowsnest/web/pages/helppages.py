"""Public pages "Get help" and "Learn", both driven by the help directory.

The country comes from ``?country=``, else from the region in the browser's
Accept-Language (``fr-BE`` -> Belgium), else the reader picks it. Unverified entries are
shown marked, with the emergency number and the international fallback beside them (the
directory's lookup supplies both).
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import pycountry
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from crowsnest.core.directory import CountryHelp, Entry, for_country, normalise_code
from crowsnest.core.errors import InvalidInput
from crowsnest.web.pages.i18n import Language, region_from_header
from crowsnest.web.pages.render import language, render

router = APIRouter(include_in_schema=False)
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}


def tel(number: str) -> str:
    """A ``tel:`` URI for a number as printed (``116 111`` -> ``tel:116111``)."""
    return "tel:" + re.sub(r"[^\d+]", "", number)


def _country_code(request: Request) -> str | None:
    raw = request.query_params.get("country") or region_from_header(
        request.headers.get("accept-language"))
    if not raw:
        return None
    try:
        return normalise_code(raw)
    except InvalidInput:
        return None


def country_choices(lang: Language) -> list[tuple[str, str]]:
    """Every ISO 3166-1 country as ``(code, name in the reader's language)``, by name."""
    names = [(c.alpha_2, lang.country_name(c.alpha_2, c.name)) for c in pycountry.countries]
    return sorted(names, key=lambda pair: pair[1].casefold())


def _sources(found: CountryHelp | None) -> list[Entry]:
    entries = list(found.helplines + found.hotlines + found.fallbacks) if found else []
    unique: dict[str, Entry] = {}
    for entry in entries:
        unique.setdefault(entry.source, entry)
    return list(unique.values())


@router.get("/help", response_class=HTMLResponse)
def get_help(request: Request) -> HTMLResponse:
    lang = language(request)
    code = _country_code(request)
    found = for_country(code) if code else None
    name = lang.country_name(code, found.name if found else None) if code else None
    return render(request, "help.html", country=code, country_label=name, found=found,
                  choices=country_choices(lang), tel=tel)


@router.get("/learn", response_class=HTMLResponse)
def learn(request: Request) -> HTMLResponse:
    code = _country_code(request)
    found = for_country(code) if code else None
    international = for_country("ZZ")  # uncovered: every international fallback
    return render(request, "learn.html", country=code, sources=_sources(found),
                  international=_sources(international))


@cache
def _static(name: str) -> bytes | None:
    item = resources.files("crowsnest.web").joinpath("static", name)
    return item.read_bytes() if item.is_file() else None


@router.get("/static/{name}")
def static(name: str) -> Response:
    suffix = name[name.rfind("."):] if "." in name else ""
    body = _static(name) if re.fullmatch(r"[a-z0-9-]+\.(css|js)", name) else None
    if body is None:
        return Response("not found", status_code=404, media_type="text/plain")
    return Response(body, media_type=STATIC_TYPES[suffix], headers={
        "X-Content-Type-Options": "nosniff", "Cache-Control": "public, max-age=3600"})

