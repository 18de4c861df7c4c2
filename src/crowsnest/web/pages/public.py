"""Public pages: home, the report form with its receipt, and a receipt's status.

Routes stay thin: read the form, call the hotline intake service (the same one behind
``POST /v1/hotline/reports``, with its rate limiter), render. Field errors from the intake
are mapped to short translated messages shown beside each field.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from crowsnest.core.errors import InvalidInput, NotFound, RateLimited
from crowsnest.core.intake import MAX_URLS, WHERE_SEEN
from crowsnest.core.ratelimit import retry_after_seconds
from crowsnest.services import hotline_intake as intake
from crowsnest.web.deps import runtime, transaction
from crowsnest.web.pages import csrf
from crowsnest.web.pages.i18n import Language
from crowsnest.web.pages.render import language, render
from crowsnest.web.routes.hotline_public import limiter

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    return render(request, "home.html")


def _form_page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page holding a form: a CSRF cookie plus the matching hidden token."""
    cookie, token = csrf.issue(request, runtime(request).settings.web_csrf_secret)
    response = render(request, template, status, csrf_field=csrf.FIELD, csrf_token=token,
                      **context)
    csrf.set_cookie(response, request, cookie)
    return response


def _report_form(request: Request, values: dict[str, str] | None = None,
                 errors: dict[str, str] | None = None, status: int = 200) -> HTMLResponse:
    return _form_page(request, "report.html", status, values=values or {}, errors=errors or {},
                      where_options=WHERE_SEEN, max_urls=MAX_URLS)


@router.get("/report", response_class=HTMLResponse)
def report_form(request: Request) -> HTMLResponse:
    return _report_form(request)


def field_errors(fields: dict[str, str], lang: Language) -> dict[str, str]:
    """The intake's field errors as short messages in the reader's language."""
    _ = lang.gettext
    errors: dict[str, str] = {}
    bad_lines = sorted(int(k[5:-1]) + 1 for k in fields if k.startswith("urls["))
    if bad_lines:
        errors["urls"] = _("Line %(lines)s does not look like a web address. Each line should "
                           "start with http:// or https://.",
                           lines=", ".join(map(str, bad_lines)))
    elif "urls" in fields:
        errors["urls"] = (_("Enter at most %(n)s web addresses.", n=MAX_URLS)
                          if "at most" in fields["urls"] else _("Enter at least one web address."))
    messages = {
        "where_seen": _("Choose where you saw it."),
        "description": _("Shorten the description to 5,000 characters or fewer."),
        "contact_email": _("Enter an e-mail address like name@example.com, or leave it empty."),
        "reporter_country": _("Choose a country from the list."),
        "_": _("Something in the form was not accepted. Please check it and send it again."),
    }
    errors.update({name: text for name, text in messages.items() if name in fields})
    return errors


def _report_data(form: dict[str, str], lang: Language) -> dict[str, Any]:
    urls = [line.strip() for line in form.get("urls", "").splitlines() if line.strip()]
    return {"urls": urls, "where_seen": form.get("where_seen") or None,
            "description": form.get("description") or None,
            "contact_email": form.get("contact_email") or None,
            "reporter_language": lang.code}


@router.post("/report", response_class=HTMLResponse)
async def report_submit(request: Request) -> HTMLResponse:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    request.state.form_lang = form.get("lang")
    lang, settings = language(request), runtime(request).settings
    if not csrf.valid(request, form.get(csrf.FIELD), settings.web_csrf_secret):
        return _report_form(request, form, {"_": lang.gettext(
            "This form was open too long or came from another site. Please send it again.")}, 400)
    data = _report_data(form, lang)
    client, rate = (request.client.host if request.client else None), limiter(request)

    def store() -> dict[str, Any]:
        with transaction(request) as session:
            return intake.submit(session, data, client_address=client, limiter=rate).to_public()

    try:
        result = await run_in_threadpool(store)
    except RateLimited as limited:
        page = _report_form(request, form, {"_": lang.gettext(
            "Too many reports were sent from your connection. Please wait a few minutes and "
            "send the form again.")}, 429)
        page.headers["Retry-After"] = str(retry_after_seconds(limited.retry_after))
        return page
    except InvalidInput as error:
        fields = (error.detail or {}).get("fields", {"_": error.message})
        return _report_form(request, form, field_errors(fields, lang), 422)
    return render(request, "report_done.html", receipt=result["receipt"])


@router.get("/receipt", response_class=HTMLResponse)
def receipt_form(request: Request) -> HTMLResponse:
    return _form_page(request, "receipt.html", code="", status_key=None, error=None)


@router.post("/receipt", response_class=HTMLResponse)
async def receipt_check(request: Request) -> HTMLResponse:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    request.state.form_lang = form.get("lang")
    lang, settings = language(request), runtime(request).settings
    code = form.get("code", "").strip()[:64]
    if not csrf.valid(request, form.get(csrf.FIELD), settings.web_csrf_secret):
        return _form_page(request, "receipt.html", 400, code=code, status_key=None,
                          error=lang.gettext("This form was open too long. Please send it again."))

    def look_up() -> dict[str, Any]:
        with transaction(request) as session:
            return intake.receipt_status(session, code)

    try:
        found = await run_in_threadpool(look_up)
    except (NotFound, InvalidInput):
        return _form_page(request, "receipt.html", 404, code=code, status_key=None,
                          error=lang.gettext("We could not find a report with this code. "
                                             "Check the code and try again."))
    return _form_page(request, "receipt.html", code=code, status_key=found["status"], error=None)
