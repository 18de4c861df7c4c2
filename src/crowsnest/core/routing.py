"""Routing rules: where an assessed case goes.

The model hotlines follow (INHOPE's network):

* content that is not actionable goes nowhere;
* hosted in **our own country** → the national police contact, and a notice to the hosting
  provider asking it to take the content down (notice and takedown);
* hosted **elsewhere**, where that country has a hotline → that hotline, which then deals
  with its own police and providers;
* hosted elsewhere, with **no hotline** there → our national police (who pass it on through
  international police channels) and a notice to the hosting provider directly.

Contacts come from the help directory through injected look-up functions, so this module
does not depend on how the directory is stored. Each contact says how it is reached
(another crowsnest instance, e-mail, or only by hand through its web form); the service
turns routes into outbox messages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from crowsnest.core.errors import InvalidInput


@dataclass(frozen=True)
class Contact:
    """Somewhere a case can be sent. ``destination`` names a destination plug-in, or
    ``"manual"`` when only a person can send it (a web form, a phone call)."""

    name: str
    country: str | None = None
    destination: str = "manual"
    target: dict[str, Any] = field(default_factory=dict)
    url: str | None = None


ContactLookup = Callable[[str], Contact | None]


@dataclass(frozen=True)
class RoutingInput:
    """What routing needs to know about one assessed case."""

    actionable: bool
    hosting_country: str | None
    hosting_provider: Contact | None = None


@dataclass(frozen=True)
class Route:
    """One place the case goes: ``role`` is ``hotline``, ``police`` or ``hosting_provider``;
    ``message`` is ``hotline_forward``, ``police_referral`` or ``takedown_notice``."""

    role: str
    message: str
    contact: Contact
    reason: str


@dataclass(frozen=True)
class RoutingPolicy:
    """The rules of one hotline: its own country and how contacts are looked up."""

    own_country: str
    hotline_for: ContactLookup
    police_for: ContactLookup

    def __post_init__(self) -> None:
        object.__setattr__(self, "own_country", check_country(self.own_country))

    def routes(self, case: RoutingInput) -> list[Route]:
        """Every route for ``case``; empty when nothing is to be sent."""
        if not case.actionable:
            return []
        if not case.hosting_country:
            raise InvalidInput("the hosting country is unknown: trace the case or set it by hand")
        country = check_country(case.hosting_country)
        if country == self.own_country:
            return [self._police(f"hosted in {country}, our own country"),
                    self._provider(case, f"hosted in {country}: notice and takedown")]
        hotline = self.hotline_for(country)
        if hotline is not None:
            return [Route("hotline", "hotline_forward", hotline,
                          f"hosted in {country}, which has a hotline")]
        return [self._police(f"hosted in {country}, which has no hotline: police channels"),
                self._provider(case, f"hosted in {country}, which has no hotline: direct notice")]

    def _police(self, reason: str) -> Route:
        police = self.police_for(self.own_country)
        if police is None:
            raise InvalidInput(f"no police contact is configured for {self.own_country}")
        return Route("police", "police_referral", police, reason)

    def _provider(self, case: RoutingInput, reason: str) -> Route:
        provider = case.hosting_provider or Contact(
            name="hosting provider (abuse contact unknown)", country=case.hosting_country)
        return Route("hosting_provider", "takedown_notice", provider, reason)


def check_country(code: object) -> str:
    """An upper-case ISO 3166-1 alpha-2 code, or :class:`InvalidInput`."""
    if not isinstance(code, str) or len(code.strip()) != 2 or not code.strip().isascii() \
            or not code.strip().isalpha():
        raise InvalidInput(f"{code!r} is not an ISO 3166-1 alpha-2 country code")
    return code.strip().upper()
