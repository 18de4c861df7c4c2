"""Engine URLs and the unit of work."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from crowsnest.core.errors import InvalidInput
from crowsnest.db.engine import make_engine, make_session_factory, normalise_url, unit_of_work
from crowsnest.db.migrate import upgrade
from crowsnest.db.models import Bank


def test_postgres_urls_get_the_psycopg_driver() -> None:
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgres://u:p@h:5433/db") == "postgresql+psycopg://u:p@h:5433/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"
    with pytest.raises(InvalidInput):
        normalise_url("not a url")


def test_unit_of_work_commits_on_success_and_rolls_back_on_error(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'uow.db'}")
    upgrade(engine)
    factory = make_session_factory(engine)
    with unit_of_work(factory) as session:
        session.add(Bank(name="kept"))
    with pytest.raises(RuntimeError), unit_of_work(factory) as session:
        session.add(Bank(name="dropped"))
        session.flush()
        raise RuntimeError("boom")
    with engine.connect() as connection:
        names = connection.execute(text("SELECT name FROM banks")).scalars().all()
    assert names == ["kept"]
    engine.dispose()


def test_engine_from_settings_uses_the_configured_url(tmp_path: Path) -> None:
    from crowsnest.config import Settings
    from crowsnest.db.engine import engine_from_settings

    engine = engine_from_settings(Settings(database_url=f"sqlite:///{tmp_path / 's.db'}"))
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 10_000
    assert engine.url.database == str(tmp_path / "s.db")
    engine.dispose()
