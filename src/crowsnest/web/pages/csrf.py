"""CSRF protection for the public forms: a signed double-submit token.

The form page sets one cookie, ``csrf`` (random, time-stamped; HttpOnly, SameSite=Strict),
and puts HMAC-SHA256(secret, cookie) in a hidden field. A submission is accepted only when
the field matches the cookie's signature and the cookie is younger than :data:`MAX_AGE`.
A page on another site can neither read the cookie nor compute the signature. Browsers that
say a request is cross-site (``Sec-Fetch-Site``) are refused outright.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from fastapi import Request
from fastapi.responses import Response

COOKIE = "csrf"
FIELD = "csrf_token"
MAX_AGE = 4 * 3600
_PROCESS_SECRET = secrets.token_bytes(32)


def _secret(configured: str | None) -> bytes:
    return configured.encode() if configured else _PROCESS_SECRET


def _sign(secret: bytes, value: str) -> str:
    return hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()


def issue(request: Request, configured_secret: str | None) -> tuple[str, str]:
    """``(cookie value, form token)``: reuses a still-fresh cookie so open tabs keep working."""
    secret = _secret(configured_secret)
    cookie = request.cookies.get(COOKIE, "")
    if not _fresh(cookie):
        cookie = f"{int(time.time())}.{secrets.token_urlsafe(24)}"
    return cookie, _sign(secret, cookie)


def set_cookie(response: Response, request: Request, cookie: str) -> None:
    """Attach the token cookie (Secure whenever the page was served over HTTPS)."""
    response.set_cookie(COOKIE, cookie, max_age=MAX_AGE, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/")


def _fresh(cookie: str) -> bool:
    stamp, _, rest = cookie.partition(".")
    if not stamp.isdigit() or len(rest) < 16:
        return False
    return 0 <= time.time() - int(stamp) < MAX_AGE


def valid(request: Request, token: str | None, configured_secret: str | None) -> bool:
    """Whether a submitted form carries a token that belongs to its cookie."""
    if request.headers.get("sec-fetch-site", "same-origin") == "cross-site":
        return False
    cookie = request.cookies.get(COOKIE, "")
    if not token or not _fresh(cookie):
        return False
    return hmac.compare_digest(token, _sign(_secret(configured_secret), cookie))
