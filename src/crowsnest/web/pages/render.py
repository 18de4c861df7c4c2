"""Rendering a public page: the Jinja environment, shared context and security headers.

Every page gets a strict Content-Security-Policy (own scripts and styles only, nothing
inline, no third party), is never cached (a shared family computer should not keep what
was looked at) and sends no referrer.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from crowsnest.web.deps import runtime
from crowsnest.web.pages.i18n import LANGUAGES, Language, choose

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cache-Control": "no-store",
}

environment = Environment(
    loader=PackageLoader("crowsnest.web", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def when(value: str | datetime | None) -> str:
    """An ISO timestamp as the console shows it: ``2026-12-03 04:32 UTC``."""
    if not value:
        return ""
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return str(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


environment.filters["when"] = when


def language(request: Request) -> Language:
    """The request's language (``?lang=`` or a form's ``lang`` field, then Accept-Language)."""
    return choose(request.query_params.get("lang") or getattr(request.state, "form_lang", None),
                  request.headers.get("accept-language"))


def _link_maker(lang: Language) -> Any:
    def link(path: str, **params: Any) -> str:
        query = {k: v for k, v in params.items() if v not in (None, "")}
        query["lang"] = lang.code
        return f"{path}?{urlencode(query)}"
    return link


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """The page ``template`` in the request's language, with the security headers."""
    lang = language(request)
    settings = runtime(request).settings
    # the switcher keeps every query parameter but the language
    keep = {k: v for k, v in request.query_params.items() if k != "lang"}
    html = environment.get_template(template).render(
        _=lang.gettext, lang=lang, languages=LANGUAGES, link=_link_maker(lang),
        path=request.url.path, keep=keep, quick_exit_url=settings.web_quick_exit_url,
        **context,
    )
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)
