"""Routing follows the hotline model: own country, foreign with hotline, foreign without."""

from __future__ import annotations

import pytest

from crowsnest.core.errors import InvalidInput
from crowsnest.core.routing import Contact, RoutingInput, RoutingPolicy, check_country

HOTLINES = {
    "DE": Contact("Hotline DE", "DE", "crowsnest", {"url": "https://de.example/v1/forwards"}),
    "FR": Contact("Hotline FR", "FR", "email", {"to": ["reports@fr.example"]}),
}
POLICE = {"NL": Contact("Police NL", "NL", "email", {"to": ["police@nl.example"]})}
PROVIDER = Contact("Host BV", "NL", "email", {"to": ["abuse@host.example"]})


def policy(own: str = "nl") -> RoutingPolicy:
    return RoutingPolicy(own, HOTLINES.get, POLICE.get)


def test_own_country_goes_to_police_and_provider() -> None:
    routes = policy().routes(RoutingInput(True, "NL", PROVIDER))
    assert [(r.role, r.message, r.contact.name) for r in routes] == [
        ("police", "police_referral", "Police NL"),
        ("hosting_provider", "takedown_notice", "Host BV"),
    ]


def test_foreign_country_with_hotline_goes_to_that_hotline() -> None:
    routes = policy().routes(RoutingInput(True, "de", PROVIDER))
    assert [(r.role, r.contact.destination) for r in routes] == [("hotline", "crowsnest")]
    assert "DE" in routes[0].reason


def test_foreign_country_without_hotline_goes_to_police_and_provider() -> None:
    routes = policy().routes(RoutingInput(True, "KZ", None))
    assert [r.role for r in routes] == ["police", "hosting_provider"]
    assert routes[1].contact.destination == "manual"  # unknown abuse contact: by hand


def test_not_actionable_goes_nowhere() -> None:
    assert policy().routes(RoutingInput(False, "DE")) == []
    assert policy().routes(RoutingInput(False, None)) == []


def test_errors() -> None:
    with pytest.raises(InvalidInput, match="hosting country is unknown"):
        policy().routes(RoutingInput(True, None))
    with pytest.raises(InvalidInput, match="no police contact"):
        policy("BE").routes(RoutingInput(True, "BE", PROVIDER))
    with pytest.raises(InvalidInput):
        policy("Netherlands")
    for bad in ("", "N1", "NLD", None, "ÄÖ"):
        with pytest.raises(InvalidInput):
            check_country(bad)
