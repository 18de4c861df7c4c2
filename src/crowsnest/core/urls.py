"""URL normalisation, validation and defanging for hotline reports.

Repeated reports of the same resource must join one case, so every reported URL is
reduced to a canonical form:

* only ``http`` and ``https``; scheme and host lower-cased; credentials (``user:pw@``)
  dropped, never kept;
* internationalised host names converted to punycode with UTS-46 mapping (the ``idna``
  package); trailing dots removed; IPv4/IPv6 literals written in their canonical form;
* default ports (80 for http, 443 for https) dropped;
* fragments dropped (the original URL is kept beside the canonical one by the caller, so
  an analyst still sees e.g. a file-sharing key in the fragment);
* known tracking parameters removed (:data:`TRACKING_PARAMETERS` and the
  :data:`TRACKING_PREFIXES`), remaining parameters sorted by name (stable, so repeated
  names keep their order), an empty query removed;
* percent-encoding normalised: escapes of unreserved characters decoded, other escapes
  upper-cased, characters that must be escaped (spaces, non-ASCII) escaped as UTF-8;
* dot segments (``/a/./b/../c``) resolved and an empty path written as ``/``.

Nothing here fetches a URL or resolves a name. :func:`case_key` additionally ignores the
scheme, because ``http://`` and ``https://`` of one address name the same resource for a
hotline. :func:`defang` renders a URL for display so it cannot be clicked by accident.
"""

from __future__ import annotations

import ipaddress
import re
import string
from urllib.parse import SplitResult, unquote, urlsplit, urlunsplit

import idna

from crowsnest.core.errors import InvalidInput

#: Longest URL accepted, before and after normalisation (characters).
MAX_URL_LENGTH = 4096
#: Longest host name (RFC 1035 limit for the ASCII form).
MAX_HOST_LENGTH = 253

DEFAULT_PORTS = {"http": 80, "https": 443}

#: Query parameters that only track who clicked where; removing them never changes the
#: resource. Compared case-insensitively.
TRACKING_PARAMETERS: frozenset[str] = frozenset({
    "fbclid",      # Facebook click id
    "gclid",       # Google Ads click id
    "gclsrc",      # Google Ads click source
    "dclid",       # Google Display click id
    "gbraid",      # Google Ads (iOS) click id
    "wbraid",      # Google Ads (web-to-app) click id
    "msclkid",     # Microsoft Ads click id
    "yclid",       # Yandex click id
    "twclid",      # X/Twitter click id
    "ttclid",      # TikTok click id
    "li_fat_id",   # LinkedIn click id
    "igshid",      # Instagram share id
    "igsh",        # Instagram share id (newer)
    "mc_eid",      # Mailchimp subscriber id
    "mc_cid",      # Mailchimp campaign id
    "_hsenc",      # HubSpot
    "_hsmi",       # HubSpot
    "mkt_tok",     # Marketo
    "oly_anon_id", # Omeda
    "oly_enc_id",  # Omeda
    "vero_id",     # Vero
    "rb_clickid",  # Rakuten
    "s_cid",       # Adobe campaign id
    "_openstat",   # Yandex Openstat
    "si",          # Spotify/YouTube share id
})
#: Parameter name prefixes that mark tracking parameters (``utm_source``, ``utm_medium``, ...).
TRACKING_PREFIXES: tuple[str, ...] = ("utm_", "pk_", "mtm_", "hsa_")

_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")
_SUB_DELIMS = "!$&'()*+,;="
# Characters left as they are in a path segment / a query name or value.
_PATH_SAFE = frozenset(_UNRESERVED | set(_SUB_DELIMS) | set(":@/"))
_QUERY_PART_SAFE = frozenset(_UNRESERVED | set("!$'()*+,;:@/?"))
_HEX = frozenset(string.hexdigits)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def normalize_url(raw: str) -> str:
    """The canonical form of ``raw``, or :class:`InvalidInput` saying what is wrong."""
    text = _prepare(raw)
    try:
        parts = urlsplit(text)
    except ValueError as error:  # e.g. an unbalanced IPv6 bracket
        raise InvalidInput(f"malformed URL: {error}", detail={"url": _clip(raw)}) from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise InvalidInput(
            f"only http and https URLs can be reported, not {scheme or 'a URL without scheme'!r}",
            detail={"url": _clip(raw)},
        )
    host = _normalize_host(parts, raw)
    port = _port(parts, raw)
    netloc = host if port is None or port == DEFAULT_PORTS[scheme] else f"{host}:{port}"
    path = _normalize_path(parts.path)
    query = _normalize_query(parts.query)
    result = urlunsplit(SplitResult(scheme, netloc, path, query, ""))
    if len(result) > MAX_URL_LENGTH:
        raise InvalidInput(f"URL is longer than {MAX_URL_LENGTH} characters once normalised")
    return result


def case_key(normalized: str) -> str:
    """The de-duplication key of a *normalised* URL: the URL without its scheme."""
    return normalized.split("://", 1)[1] if "://" in normalized else normalized


def host_of(normalized: str) -> str:
    """The host of a normalised URL (IPv6 literals without brackets)."""
    host = urlsplit(normalized).hostname
    if not host:
        raise InvalidInput("URL has no host", detail={"url": _clip(normalized)})
    return host


def defang(url: str) -> str:
    """Render ``url`` so it is not a live link: ``hxxps://example[.]com/path``.

    Dots are bracketed only in the host, so the path stays readable and copyable.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.replace("http", "hxxp", 1) if parts.scheme else ""
    netloc = parts.netloc.replace(".", "[.]")
    rest = url.split(parts.netloc, 1)[1] if parts.netloc else url
    return f"{scheme}://{netloc}{rest}" if scheme else f"{netloc}{rest}"


def refang(text: str) -> str:
    """Undo common defanging (``hxxp``, ``[.]``, ``(.)``, ``[:]``) so such input is accepted."""
    out = text.strip()
    for fanged, plain in (("[.]", "."), ("(.)", "."), ("[dot]", "."), ("[:]", ":"), ("[://]", "://")):
        out = out.replace(fanged, plain)
    return re.sub(r"^hxxp", "http", out, flags=re.IGNORECASE)


def _prepare(raw: str) -> str:
    if not isinstance(raw, str):
        raise InvalidInput("a URL must be text")
    text = refang(raw)
    if not text:
        raise InvalidInput("URL is empty")
    if len(text) > MAX_URL_LENGTH:
        raise InvalidInput(f"URL is longer than {MAX_URL_LENGTH} characters",
                           detail={"length": len(text)})
    if _CONTROL.search(text):
        raise InvalidInput("URL contains control characters", detail={"url": _clip(raw)})
    if text.startswith("//"):
        return "http:" + text
    # People paste "example.com/page"; a report means the web, so assume http. Anything
    # with another scheme ("mailto:", "javascript:") is left for the scheme check to refuse.
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:(?!\d)", text) is None:
        text = "http://" + text
    return text


def _normalize_host(parts: SplitResult, raw: str) -> str:
    hostname = parts.hostname  # lower-cased, without userinfo and port
    if not hostname:
        raise InvalidInput("URL has no host", detail={"url": _clip(raw)})
    if "[" in parts.netloc:
        try:
            return f"[{ipaddress.IPv6Address(hostname).compressed}]"
        except ValueError:
            raise InvalidInput(f"invalid IPv6 address {hostname!r}") from None
    host = hostname.rstrip(".")
    if not host:
        raise InvalidInput("URL has no host", detail={"url": _clip(raw)})
    try:
        return str(ipaddress.IPv4Address(host))
    except ValueError:
        pass
    if "%" in host:
        raise InvalidInput(f"percent-encoded host names are not accepted: {host!r}")
    try:
        ascii_host = idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError as error:
        raise InvalidInput(f"invalid host name {host!r}: {error}") from None
    if len(ascii_host) > MAX_HOST_LENGTH:
        raise InvalidInput(f"host name is longer than {MAX_HOST_LENGTH} characters")
    if "." not in ascii_host:
        # A one-label name ("nonsense", "localhost", an intranet host) is never a public
        # web address; it is almost always a typing or pasting mistake.
        raise InvalidInput(f"{host!r} is not a full web address; it should look like "
                           "https://example.com/page", detail={"url": _clip(raw)})
    return ascii_host.lower()


def _port(parts: SplitResult, raw: str) -> int | None:
    try:
        port = parts.port
    except ValueError:
        raise InvalidInput("URL has an invalid port", detail={"url": _clip(raw)}) from None
    if port == 0:
        raise InvalidInput("URL has an invalid port 0", detail={"url": _clip(raw)})
    return port


def _normalize_component(text: str, safe: frozenset[str]) -> str:
    """Percent-encoding normalisation of one component; idempotent by construction."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        escape = text[i + 1:i + 3]
        if char == "%" and len(escape) == 2 and set(escape) <= _HEX:
            decoded = chr(int(escape, 16))
            out.append(decoded if decoded in _UNRESERVED else "%" + escape.upper())
            i += 3
            continue
        if char in safe:
            out.append(char)
        else:
            out.extend(f"%{byte:02X}" for byte in char.encode("utf-8"))
        i += 1
    return "".join(out)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4, on a path that starts with ``/``."""
    output: list[str] = []
    segments = path.split("/")[1:]
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == ".":
            if last:
                output.append("")
        elif segment == "..":
            if output:
                output.pop()
            if last:
                output.append("")
        else:
            output.append(segment)
    return "/" + "/".join(output)


def _normalize_path(path: str) -> str:
    encoded = _normalize_component(path, _PATH_SAFE)
    if not encoded.startswith("/"):
        encoded = "/" + encoded
    return _remove_dot_segments(encoded)


def is_tracking_parameter(name: str) -> bool:
    """True for a query parameter name that only serves tracking (see module docs)."""
    lowered = name.lower()
    return lowered in TRACKING_PARAMETERS or lowered.startswith(TRACKING_PREFIXES)


def _normalize_query(query: str) -> str:
    kept: list[tuple[str, str]] = []
    for pair in query.split("&"):
        if not pair:
            continue
        name, sep, value = pair.partition("=")
        name = _normalize_component(name, _QUERY_PART_SAFE)
        if is_tracking_parameter(unquote(name)):
            continue
        kept.append((name, sep + _normalize_component(value, _QUERY_PART_SAFE | {"="})))
    kept.sort(key=lambda item: item[0])
    return "&".join(name + rest for name, rest in kept)


def _clip(text: object, limit: int = 200) -> str:
    value = str(text)
    return value if len(value) <= limit else value[:limit] + "…"
