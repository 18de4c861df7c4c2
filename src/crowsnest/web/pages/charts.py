"""Server-rendered SVG charts for the console: no JavaScript, no third-party code.

Each chart is an inline ``<svg role="img">`` whose ``<title>`` and ``<desc>`` give its
name and a one-sentence summary to screen readers; the page shows the same numbers in a
table beside it. Colours come from the stylesheet (classes), so the strict
Content-Security-Policy needs no inline styles. Labels are escaped: case data such as a
hosting country is never trusted markup.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

LABEL_W = 140  # left column for bar labels
ROW_H = 28
VALUE_W = 50  # room right of the longest bar for its value


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _frame(width: int, height: int, title: str, desc: str, body: str) -> Markup:
    return Markup(
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'preserveAspectRatio="xMinYMin meet" aria-labelledby="{_id(title)}-t {_id(title)}-d" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{_id(title)}-t">{escape(title)}</title>'
        f'<desc id="{_id(title)}-d">{escape(desc)}</desc>{body}</svg>')


def _id(title: str) -> str:
    return "chart-" + "".join(c if c.isalnum() else "-" for c in title.lower())[:40]


def bar_chart(rows: Sequence[tuple[str, float]], *, title: str, width: int = 480) -> Markup:
    """Horizontal bars, one per ``(label, value)``, lengths proportional to the values."""
    if not rows:
        return _frame(width, ROW_H, title, f"{title}: no data in this period.",
                      f'<text class="chart-empty" x="0" y="{ROW_H - 8}">No data in this period'
                      '</text>')
    peak = max(value for _, value in rows) or 1
    area = width - LABEL_W - VALUE_W
    parts = []
    for i, (label, value) in enumerate(rows):
        y = i * ROW_H
        length = area * value / peak
        parts.append(
            f'<text class="chart-label" x="{LABEL_W - 8}" y="{y + 19}" text-anchor="end">'
            f'{escape(label)}</text>'
            f'<rect class="chart-bar" x="{LABEL_W}" y="{y + 4}" width="{length:.1f}" '
            f'height="{ROW_H - 8}"/>'
            f'<text class="chart-value" x="{LABEL_W + length + 6:.1f}" y="{y + 19}">'
            f'{_fmt(value)}</text>')
    summary = "; ".join(f"{label}: {_fmt(value)}" for label, value in rows)
    return _frame(width, ROW_H * len(rows), title, f"{title}. {summary}.", "".join(parts))


def column_chart(rows: Sequence[tuple[str, float]], *, title: str, width: int = 480,
                 height: int = 200, labels: int = 6) -> Markup:
    """Vertical columns over time (e.g. reports per day); about ``labels`` dates shown."""
    if not rows:
        return bar_chart(rows, title=title, width=width)
    peak = max(value for _, value in rows) or 1
    plot_h = height - 24
    step = width / len(rows)
    every = max(1, round(len(rows) / labels))
    parts = [f'<line class="chart-axis" x1="0" y1="{plot_h}" x2="{width}" y2="{plot_h}"/>']
    for i, (label, value) in enumerate(rows):
        h = plot_h * value / peak
        parts.append(f'<rect class="chart-bar" x="{i * step + step * 0.1:.2f}" '
                     f'y="{plot_h - h:.2f}" width="{step * 0.8:.2f}" height="{h:.2f}">'
                     f'<title>{escape(label)}: {_fmt(value)}</title></rect>')
        if i % every == 0 and i * step < width - 40:  # a label must fit inside the chart
            parts.append(f'<text class="chart-label" x="{i * step:.1f}" y="{height - 6}">'
                         f'{escape(label[5:] if len(label) == 10 else label)}</text>')
    parts.append(f'<text class="chart-value" x="{width - 4}" y="12" text-anchor="end">'
                 f'peak {_fmt(peak)}</text>')
    total = sum(value for _, value in rows)
    desc = (f"{title}: {_fmt(total)} in all from {rows[0][0]} to {rows[-1][0]}, "
            f"at most {_fmt(peak)} on one day.")
    return _frame(width, height, title, desc, "".join(parts))
