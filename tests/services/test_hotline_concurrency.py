"""Concurrent reports of one URL open exactly one case and every report is counted."""

from __future__ import annotations

import pytest

pytest.importorskip("crowsnest.db.models", reason="needs the storage layer (store branch)")

import threading  # noqa: E402
import uuid  # noqa: E402

from sqlalchemy import Engine, func, select  # noqa: E402

from crowsnest.db.engine import make_session_factory, unit_of_work  # noqa: E402
from crowsnest.db.models_hotline import HotlineCase, HotlineReportUrl  # noqa: E402
from crowsnest.services import hotline_intake as intake  # noqa: E402

THREADS, EACH = 6, 8


def test_parallel_reports_join_one_case(db_engine: Engine) -> None:
    url = f"https://race-{uuid.uuid4().hex}.example/v/1"
    factory = make_session_factory(db_engine)
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def reporter() -> None:
        start.wait()
        for _ in range(EACH):
            try:
                with unit_of_work(factory) as session:
                    intake.submit(session, {"urls": [url]})
            except BaseException as error:  # noqa: BLE001 - collected and asserted below
                errors.append(error)

    threads = [threading.Thread(target=reporter) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with unit_of_work(factory) as session:
        cases = session.scalars(select(HotlineCase).where(HotlineCase.url == url)).all()
        assert len(cases) == 1 and cases[0].report_count == THREADS * EACH
        links = session.scalar(select(func.count()).select_from(HotlineReportUrl)
                               .where(HotlineReportUrl.case_id == cases[0].id))
        assert links == THREADS * EACH
