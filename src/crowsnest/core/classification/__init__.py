"""Classification schemes: the label sets analysts use to classify a reported item.

A scheme is a plug-in (entry point group ``crowsnest.classification_schemes``) with a
stable ``name``, an ordered tuple of ``values`` and a ``validate`` method that returns the
canonical spelling of a value or raises :class:`InvalidInput`. Values are opaque labels:
nothing in crowsnest describes what they stand for — each hotline applies its own law and
published definitions. ``actionable`` says which values call for action (forwarding,
notice and takedown); the others close a case as "not illegal".

Labels are written ``scheme:value`` (e.g. ``industry:A1``) wherever they travel with a
hash, so a bank built from a hotline's assessments keeps its classification.
"""

from __future__ import annotations

from abc import ABC
from typing import ClassVar

from crowsnest.core import registry
from crowsnest.core.errors import InvalidInput


class ClassificationScheme(ABC):
    """Base of classification scheme plug-ins."""

    #: Stable storage key, written literally (never derived from the class name).
    name: ClassVar[str]
    title: ClassVar[str] = ""
    #: Every value, in the order a form should list them.
    values: ClassVar[tuple[str, ...]]
    #: Values that call for action; the rest mean the item is not illegal under the scheme.
    actionable: ClassVar[frozenset[str]]

    def validate(self, value: str) -> str:
        """The canonical spelling of ``value`` (matched case-insensitively)."""
        if isinstance(value, str):
            wanted = value.strip().casefold().replace(" ", "_").replace("-", "_")
            for known in self.values:
                if known.casefold() == wanted:
                    return known
        raise InvalidInput(
            f"{value!r} is not a value of classification scheme {self.name!r} "
            f"(values: {', '.join(self.values)})",
            detail={"scheme": self.name, "value": str(value)[:100]},
        )

    def is_actionable(self, value: str) -> bool:
        """True when ``value`` calls for forwarding or notice and takedown."""
        return self.validate(value) in self.actionable

    def label(self, value: str) -> str:
        """The ``scheme:value`` label of a (validated) value."""
        return f"{self.name}:{self.validate(value)}"

    def describe(self) -> dict[str, object]:
        """A JSON-ready summary for APIs and forms."""
        return {"name": self.name, "title": self.title, "values": list(self.values),
                "actionable": [v for v in self.values if v in self.actionable]}


def schemes() -> dict[str, ClassificationScheme]:
    """Every registered scheme by name."""
    return registry.plugins(registry.SCHEMES)


def scheme(name: str) -> ClassificationScheme:
    """The scheme registered as ``name``, or :class:`InvalidInput` listing the known ones."""
    found = schemes().get(name) if isinstance(name, str) else None
    if found is None:
        raise InvalidInput(
            f"unknown classification scheme {name!r} (known: {', '.join(schemes()) or 'none'})",
            detail={"scheme": str(name)[:100]},
        )
    return found


def parse_label(label: str) -> tuple[str, str]:
    """Split and validate a ``scheme:value`` label; returns the canonical pair."""
    if not isinstance(label, str) or ":" not in label:
        raise InvalidInput(f"classification label {label!r} is not of the form scheme:value")
    name, value = label.split(":", 1)
    found = scheme(name.strip())
    return found.name, found.validate(value)
