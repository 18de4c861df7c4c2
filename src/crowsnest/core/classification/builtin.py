"""The built-in classification schemes (registered as entry points like any plug-in).

Only the label names of the public schemes are used here; their definitions belong to the
organisations that publish them and to each hotline's law.
"""

from __future__ import annotations

from crowsnest.core.classification import ClassificationScheme


class InhopeScheme(ClassificationScheme):
    """INHOPE's scheme used across member hotlines: an INTERPOL 'baseline', content
    illegal under national law only, and not illegal."""

    name = "inhope"
    title = "INHOPE / INTERPOL baseline"
    values = ("baseline", "national", "not_illegal")
    actionable = frozenset({"baseline", "national"})


class UkScheme(ClassificationScheme):
    """The three categories used by UK courts and the UK hotline."""

    name = "uk"
    title = "UK categories"
    values = ("A", "B", "C")
    actionable = frozenset(values)


class IndustryScheme(ClassificationScheme):
    """The two-by-two industry classification scale used by platforms and NCMEC."""

    name = "industry"
    title = "Industry classification scale"
    values = ("A1", "A2", "B1", "B2")
    actionable = frozenset(values)
