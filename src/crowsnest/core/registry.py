"""Plug-in discovery through Python entry points.

Built-in and third-party plug-ins register the same way (datasette's habit): a
``[project.entry-points."crowsnest.<kind>"]`` table in their ``pyproject.toml`` maps the
plug-in's stable name to its class. The registry loads each group once and checks that
every class declares the name it is registered under.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points
from typing import Any

from crowsnest.core.errors import CrowsnestError, UnknownFormat, UnknownSignalType

SIGNAL_TYPES = "crowsnest.signal_types"
FORMATS = "crowsnest.formats"
DESTINATIONS = "crowsnest.destinations"
SCHEMES = "crowsnest.classification_schemes"

_UNKNOWN_ERRORS: dict[str, type[CrowsnestError]] = {
    SIGNAL_TYPES: UnknownSignalType,
    FORMATS: UnknownFormat,
}


class PluginError(CrowsnestError):
    """A plug-in is registered wrongly (its declared name differs from its entry point)."""

    code = "plugin_error"


@cache
def plugins(group: str) -> dict[str, Any]:
    """Every plug-in *instance* registered in ``group``, keyed by its stable name."""
    found: dict[str, Any] = {}
    for ep in entry_points(group=group):
        cls = ep.load()
        declared = getattr(cls, "name", None)
        if declared != ep.name:
            raise PluginError(
                f"plug-in {ep.value} is registered as {ep.name!r} but declares name {declared!r}"
            )
        found[ep.name] = cls()
    return dict(sorted(found.items()))


def get(group: str, name: str) -> Any:
    """The plug-in named ``name`` in ``group``, or a typed 'unknown' error listing the choices."""
    registered = plugins(group)
    try:
        return registered[name]
    except KeyError:
        error = _UNKNOWN_ERRORS.get(group, CrowsnestError)
        choices = ", ".join(registered) or "none"
        raise error(f"unknown {group.rsplit('.', 1)[-1][:-1].replace('_', ' ')} {name!r} "
                    f"(known: {choices})") from None


def signal_type(name: str) -> Any:
    """Shortcut for the signal type registered as ``name``."""
    return get(SIGNAL_TYPES, name)


def signal_types() -> dict[str, Any]:
    """All registered signal types by name."""
    return plugins(SIGNAL_TYPES)
