"""The console's SVG charts: proportional bars, accessible names, escaped labels."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from crowsnest.web.pages.charts import LABEL_W, VALUE_W, bar_chart, column_chart

SVG = "{http://www.w3.org/2000/svg}"


def _parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))  # also proves the SVG is well-formed XML


def test_bars_are_proportional_to_values() -> None:
    svg = _parse(bar_chart([("NL", 10), ("US", 5), ("DE", 0)], title="By country", width=600))
    widths = [float(rect.get("width")) for rect in svg.iter(f"{SVG}rect")]
    area = 600 - LABEL_W - VALUE_W
    assert widths == [area, area / 2, 0.0]
    assert svg.get("role") == "img"
    assert svg.find(f"{SVG}title").text == "By country"
    assert "NL: 10; US: 5; DE: 0" in svg.find(f"{SVG}desc").text
    labelled = svg.get("aria-labelledby").split()
    assert [svg.find(f"{SVG}title").get("id"), svg.find(f"{SVG}desc").get("id")] == labelled


def test_labels_are_escaped() -> None:
    markup = str(bar_chart([("<script>alert(1)</script>", 3)], title="A & B"))
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    assert _parse(markup).find(f"{SVG}title").text == "A & B"


def test_empty_data_says_so() -> None:
    for chart in (bar_chart([], title="Nothing"), column_chart([], title="Nothing")):
        svg = _parse(chart)
        assert "No data" in "".join(svg.itertext())
        assert not list(svg.iter(f"{SVG}rect"))


def test_columns_over_time() -> None:
    rows = [(f"2026-11-{d:02d}", d % 3) for d in range(1, 31)]
    svg = _parse(column_chart(rows, title="Reports per day", height=180))
    heights = [float(r.get("height")) for r in svg.iter(f"{SVG}rect")]
    assert len(heights) == 30 and max(heights) == 156 and min(heights) == 0
    assert heights[1] == heights[4] == 156 and heights[0] == 78
    labels = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "chart-label"]
    assert labels[0] == "11-01" and 4 <= len(labels) <= 8
    assert re.search(r"30 in all from 2026-11-01 to 2026-11-30", svg.find(f"{SVG}desc").text)
