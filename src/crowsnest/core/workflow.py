"""The case workflow of a hotline: statuses, allowed transitions, outcomes.

::

    new → in_assessment → assessed → actioned → awaiting_removal → removed
      ↘         ↘             ↘          ↘              ↘
                              closed (with an outcome)

A case is closed with an outcome: ``not_illegal``, ``out_of_remit`` or ``duplicate``
(assessed as needing no action), or ``forwarded`` (handed to another hotline that tracks
the removal), or ``removed`` is reached through removal. ``reopen`` brings a closed case
back to assessment. What a reporter sees through the receipt is coarser:
``received`` / ``assessed`` / ``closed`` — nothing about the content.
"""

from __future__ import annotations

from crowsnest.core.errors import Conflict, InvalidInput

STATUSES = ("new", "in_assessment", "assessed", "actioned", "awaiting_removal", "removed", "closed")
OUTCOMES = ("not_illegal", "out_of_remit", "duplicate", "forwarded", "removed")
OPEN_STATUSES = frozenset({"new", "in_assessment", "assessed", "actioned", "awaiting_removal"})

TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"in_assessment", "closed"}),
    "in_assessment": frozenset({"assessed", "closed", "new"}),
    "assessed": frozenset({"actioned", "closed", "in_assessment"}),
    "actioned": frozenset({"awaiting_removal", "removed", "closed"}),
    "awaiting_removal": frozenset({"removed", "closed"}),
    "removed": frozenset({"in_assessment"}),
    "closed": frozenset({"in_assessment"}),
}



def next_steps(status: str) -> list[str]:
    """Where a case can go from ``status``, the usual next step first: forward steps in
    workflow order, then closing, then steps back (reopening, re-assessing)."""
    here = STATUSES.index(check_status(status))

    def rank(target: str) -> tuple[int, int]:
        place = STATUSES.index(target)
        group = 1 if target == "closed" else 0 if place > here else 2
        return group, place
    return sorted(TRANSITIONS[status], key=rank)


_PUBLIC = {"new": "received", "in_assessment": "received", "assessed": "assessed",
           "actioned": "assessed", "awaiting_removal": "assessed", "removed": "closed",
           "closed": "closed"}


def check_status(status: str) -> str:
    if status not in STATUSES:
        raise InvalidInput(f"unknown case status {status!r} (known: {', '.join(STATUSES)})")
    return status


def check_outcome(outcome: str) -> str:
    if outcome not in OUTCOMES:
        raise InvalidInput(f"unknown outcome {outcome!r} (known: {', '.join(OUTCOMES)})")
    return outcome


def transition(current: str, new: str, outcome: str | None = None) -> tuple[str, str | None]:
    """Check a status change; returns the new (status, outcome).

    Closing needs an outcome; ``removed`` sets the outcome ``removed``; moving back to an
    open status clears the outcome.
    """
    check_status(current)
    check_status(new)
    if new not in TRANSITIONS[current]:
        raise Conflict(f"a case cannot go from {current} to {new}",
                       detail={"from": current, "to": new,
                               "allowed": sorted(TRANSITIONS[current])})
    if new == "closed":
        if outcome is None:
            raise InvalidInput("closing a case needs an outcome "
                               f"({', '.join(o for o in OUTCOMES if o != 'removed')})")
        if check_outcome(outcome) == "removed":
            raise InvalidInput("record a removal instead of closing with outcome 'removed'")
        return new, outcome
    if outcome is not None:
        raise InvalidInput(f"an outcome is given only when closing, not when moving to {new}")
    return new, "removed" if new == "removed" else None


def public_status(status: str) -> str:
    """What a reporter may see: received, assessed or closed."""
    return _PUBLIC[check_status(status)]
