"""The console's statistics page: cases by status and hosting country, time to assessment
and to removal, reports per day -- as SVG charts with the numbers in tables beside them.

Figures come from ``services.hotline_stats.dashboard`` over a period chosen with a plain
GET form (7, 30, 90 or 365 days), so the page works without JavaScript and can be
bookmarked. Any signed-in analyst may see it: it shows counts, never case content.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from crowsnest.services import hotline_stats
from crowsnest.web.deps import transaction
from crowsnest.web.pages import charts
from crowsnest.web.pages.console import _actor, _page, _to_login

router = APIRouter(prefix="/console", include_in_schema=False)


def _hours_text(value: float | None, unit: str) -> str:
    return "–" if value is None else f"{value:,.1f} {unit}"


@router.get("/stats", response_class=HTMLResponse)
def stats_page(request: Request, days: int = 30) -> Response:
    actor = _actor(request)
    if actor is None:
        return _to_login()
    with transaction(request) as session:
        figures = hotline_stats.dashboard(session, days)
    statuses = [(name.replace("_", " "), n) for name, n in figures["by_status"]]
    chart_set = {
        "status": charts.bar_chart(statuses, title="Cases by status"),
        "countries": charts.bar_chart(figures["by_hosting_country"],
                                      title="Cases by hosting country"),
        "removal": charts.bar_chart(figures["removal_bands"], title="Time to removal"),
        "reports": charts.column_chart(figures["reports_per_day"], title="Reports per day"),
    }
    removal, assessment = figures["days_to_removal"], figures["hours_to_assessment"]
    headline = [
        ("Cases", f"{figures['cases']:,}"),
        ("Reports", f"{figures['reports']:,}"),
        ("Median time to assessment", _hours_text(assessment["median"], "h")),
        ("Median time to removal", _hours_text(removal["median"], "days")),
        ("90th percentile to removal", _hours_text(removal["p90"], "days")),
    ]
    return _page(request, "console/stats.html", actor=actor, figures=figures,
                 charts=chart_set, headline=headline, statuses=statuses,
                 periods=hotline_stats.PERIODS, nav="stats")
