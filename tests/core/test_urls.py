"""URL normalisation joins equivalent reports and refuses what cannot be a web address."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crowsnest.core.errors import InvalidInput
from crowsnest.core.urls import (
    MAX_URL_LENGTH,
    case_key,
    defang,
    host_of,
    is_tracking_parameter,
    normalize_url,
    refang,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HTTP://ExAmple.COM/Path", "http://example.com/Path"),  # path case is kept
        ("http://example.com:80/", "http://example.com/"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("http://example.com/a#section", "http://example.com/a"),
        ("http://example.com", "http://example.com/"),
        ("http://example.com./a", "http://example.com/a"),
        ("http://user:secret@example.com/a", "http://example.com/a"),
        ("http://example.com/a/./b/../c", "http://example.com/a/c"),
        ("http://example.com/%7Euser/%41", "http://example.com/~user/A"),
        ("http://example.com/%e2%82%ac", "http://example.com/%E2%82%AC"),
        ("http://example.com/a b", "http://example.com/a%20b"),
        ("http://example.com/€", "http://example.com/%E2%82%AC"),
        ("http://example.com/?", "http://example.com/"),
        ("http://example.com/?utm_source=x&utm_medium=y", "http://example.com/"),
        ("http://example.com/v?id=7&fbclid=abc&gclid=d&mc_eid=e&igshid=f", "http://example.com/v?id=7"),
        ("http://example.com/v?b=2&a=1&a=0", "http://example.com/v?a=1&a=0&b=2"),
        ("http://example.com/s?q=a%2Bb+c", "http://example.com/s?q=a%2Bb+c"),
        ("https://Bücher.example/", "https://xn--bcher-kva.example/"),
        ("https://xn--bcher-kva.example/", "https://xn--bcher-kva.example/"),
        ("https://BÜCHER.example/", "https://xn--bcher-kva.example/"),  # UTS-46 case mapping
        ("http://[2001:DB8:0:0::1]:80/x", "http://[2001:db8::1]/x"),
        ("http://10.0.0.1:8080/", "http://10.0.0.1:8080/"),
        ("example.com/page", "http://example.com/page"),
        ("//example.com/page", "http://example.com/page"),
        ("  https://example.com/x  ", "https://example.com/x"),
        ("hxxps://example[.]com/x", "https://example.com/x"),
    ],
)
def test_normalisation_examples(raw: str, expected: str) -> None:
    assert normalize_url(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "empty"),
        ("ftp://example.com/x", "only http and https"),
        ("javascript:alert(1)", "only http and https"),
        ("mailto:someone@example.com", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("http:///path-only", "no host"),
        ("http://exa mple.com/", "invalid host"),
        ("http://example.com:99999/", "invalid port"),
        ("http://example.com:0/", "invalid port"),
        ("http://example.com/\x00", "control characters"),
        ("http://[::1/", "malformed"),
        ("http://" + "a" * 64 + ".com/", "invalid host"),  # label longer than 63
        ("http://example.com/" + "a" * MAX_URL_LENGTH, "longer than"),
        ("nonsense", "not a full web address"),
        ("https://localhost/page", "not a full web address"),
        ("http://intranet:8080/", "not a full web address"),
    ],
)
def test_invalid_urls_get_clear_errors(raw: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        normalize_url(raw)
    assert message in caught.value.message


def test_non_text_is_refused() -> None:
    with pytest.raises(InvalidInput):
        normalize_url(b"http://example.com/")  # type: ignore[arg-type]


def test_case_key_joins_http_and_https() -> None:
    assert case_key(normalize_url("http://Example.com/a")) == case_key(
        normalize_url("https://example.com/a#x")
    )
    assert case_key(normalize_url("http://example.com/a")) != case_key(
        normalize_url("http://example.com/b")
    )


def test_defang_and_refang_round_trip() -> None:
    url = normalize_url("https://www.example.com/a.b/c?x=1.2")
    shown = defang(url)
    assert shown == "hxxps://www[.]example[.]com/a.b/c?x=1.2"
    assert "http" not in shown
    assert normalize_url(refang(shown)) == url
    assert host_of(url) == "www.example.com"
    assert host_of(normalize_url("http://[2001:db8::1]/")) == "2001:db8::1"


def test_tracking_parameters() -> None:
    assert is_tracking_parameter("UTM_Campaign")
    assert is_tracking_parameter("fbclid")
    assert not is_tracking_parameter("id")
    assert not is_tracking_parameter("v")


# ---- properties -------------------------------------------------------------------------

# IDNA reserves "--" in the third and fourth place of a label (as in "xn--"); the
# normaliser rightly refuses such labels, so the generator leaves them out.
_label = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True).filter(
    lambda label: label[2:4] != "--")
_host = st.lists(_label, min_size=1, max_size=3).map(lambda ls: ".".join(ls) + ".example")
_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12
).filter(lambda t: "#" not in t and "?" not in t)
_param = st.tuples(
    st.from_regex(r"[a-z]{1,6}", fullmatch=True), st.text(alphabet="abc%2F+=~ é", max_size=6)
)


@st.composite
def urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["http", "https", "HTTP", "hTTps"]))
    host = draw(_host)
    port = draw(st.sampled_from(["", ":80", ":443", ":8080"]))
    path = "/".join(draw(st.lists(_text, max_size=4)))
    params = draw(st.lists(_param, max_size=4))
    query = "&".join(f"{k}={v}" for k, v in params)
    fragment = draw(st.sampled_from(["", "#top", "#"]))
    return f"{scheme}://{host}{port}/{path}{'?' + query if query else ''}{fragment}"


@settings(max_examples=300, deadline=None)
@given(urls())
def test_normalisation_is_idempotent(raw: str) -> None:
    once = normalize_url(raw)
    assert normalize_url(once) == once
    assert len(once) <= MAX_URL_LENGTH
    assert "#" not in once


@settings(max_examples=200, deadline=None)
@given(urls(), st.sampled_from(["utm_source=news", "fbclid=XYZ", "gclid=1", "mc_eid=2"]),
       st.sampled_from(["#frag", ""]))
def test_equivalent_spellings_share_one_form(raw: str, tracker: str, fragment: str) -> None:
    base = normalize_url(raw)
    scheme, rest = base.split("://", 1)
    host, _, tail = rest.partition("/")
    variants = [
        f"{scheme.upper()}://{host.upper()}/{tail}",
        f"{scheme}://{host}./{tail}" if ":" not in host else base,
        f"{scheme}://{host}/{tail}{'&' if '?' in tail else '?'}{tracker}{fragment}",
    ]
    if ":" not in host:
        variants.append(f"{scheme}://{host}:{80 if scheme == 'http' else 443}/{tail}")
    for variant in variants:
        assert normalize_url(variant) == base, variant


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-._~", min_size=1, max_size=10))
def test_escaped_unreserved_characters_equal_plain(segment: str) -> None:
    escaped = "".join(f"%{ord(c):02x}" for c in segment)
    assert normalize_url(f"http://example.com/{escaped}") == normalize_url(
        f"http://example.com/{segment}"
    )
