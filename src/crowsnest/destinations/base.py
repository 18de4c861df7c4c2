"""The destination plug-in contract: somewhere a message (webhook, notice, forward) goes.

Destinations are used through the outbox (``services``): a message is stored first, then
delivered with retries and backoff, so an outage or a restart loses nothing. A destination
therefore never raises for transport failures; it returns a :class:`DeliveryResult` that
says whether trying again may help. Built-ins register under the ``crowsnest.destinations``
entry point group, like a third-party destination would.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass(frozen=True)
class Delivery:
    """One message to deliver.

    ``key`` is a stable idempotency key: delivering the same key twice must have the
    effect of delivering it once at a receiver that honours it. ``target`` is the
    destination's validated configuration (URL and secret, e-mail address, ...).
    """

    key: str
    kind: str
    payload: dict[str, Any]
    target: dict[str, Any]
    attempt: int = 1


@dataclass(frozen=True)
class DeliveryResult:
    """Outcome of one delivery attempt."""

    ok: bool
    retryable: bool = False
    detail: str = ""
    response: dict[str, Any] = field(default_factory=dict)


class Destination(ABC):
    """Base class for destination plug-ins."""

    #: Stable storage key, e.g. ``"webhook"``; written literally, never derived.
    name: ClassVar[str]
    description: ClassVar[str] = ""

    @abstractmethod
    def validate_target(self, target: dict[str, Any]) -> dict[str, Any]:
        """Return the canonical target configuration or raise ``InvalidInput``."""

    @abstractmethod
    def deliver(self, delivery: Delivery) -> DeliveryResult:
        """Attempt delivery once. Transport failures are results, not exceptions."""
