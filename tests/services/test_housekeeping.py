"""The service deletes reporter contacts past retention by itself, in its own thread."""

from __future__ import annotations

import time
from datetime import timedelta

from crowsnest.db.engine import make_engine, make_session_factory, unit_of_work
from crowsnest.db.migrate import upgrade
from crowsnest.db.models import utcnow
from crowsnest.db.models_hotline import HotlineReport
from crowsnest.services import hotline_intake as intake
from crowsnest.services.housekeeping import Housekeeper


def test_housekeeper_thread_purges_contacts_past_retention(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    factory = make_session_factory(engine)
    with unit_of_work(factory) as session:
        old = intake.submit(session, {"urls": "https://h.example/", "contact_email": "a@b.org"},
                            now=utcnow() - timedelta(days=40)).report_id
        new = intake.submit(session, {"urls": "https://h.example/", "contact_email": "c@d.org"},
                            now=utcnow()).report_id
    keeper = Housekeeper(factory, contact_retention_days=30)
    keeper.start(interval_s=3600)  # the first round runs at once
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with unit_of_work(factory) as session:
                if session.get(HotlineReport, old).contact_email is None:  # type: ignore[union-attr]
                    break
            time.sleep(0.05)
        with unit_of_work(factory) as session:
            assert session.get(HotlineReport, old).contact_email is None  # type: ignore[union-attr]
            assert session.get(HotlineReport, new).contact_email == "c@d.org"  # type: ignore[union-attr]
    finally:
        keeper.stop()
    assert keeper.run_once() == 0  # idempotent: nothing left to delete
    engine.dispose()
