"""Property-based fuzzing of every operation in the OpenAPI schema: nothing may answer 5xx.

Bounded for CI: a few generated examples per operation, on one app with an admin key (so
requests reach the handlers instead of stopping at 401).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from crowsnest.config import Settings
from crowsnest.db.engine import unit_of_work
from crowsnest.services import apikeys, banks
from crowsnest.services.runtime import ServiceRuntime
from crowsnest.web.app import create_app

pytestmark = pytest.mark.slow
# the schema is read at import (schemathesis parametrizes at collection); the database and
# background state are only set up when the test runs, by the module fixture below
_DIR = tempfile.mkdtemp(prefix="crowsnest-fuzz-")
_CONFIG = Settings(database_url=f"sqlite:///{_DIR}/fuzz.db", run_background_workers=False,
                   max_upload_bytes=200_000, max_image_pixels=1_000_000)
_RUNTIME = ServiceRuntime.from_settings(_CONFIG)
_STATE: dict[str, str] = {}
schema = schemathesis.openapi.from_asgi(
    "/openapi.json", create_app(_CONFIG, runtime=_RUNTIME, start=False))


@pytest.fixture(scope="module", autouse=True)
def running_service() -> Iterator[None]:
    _RUNTIME.start()
    with unit_of_work(_RUNTIME.factory) as session:
        _, _STATE["key"] = apikeys.create_key(session, "fuzzer", ["admin"])
        banks.create_bank(session, "fuzz")
    yield
    _RUNTIME.stop()
    _RUNTIME.engine.dispose()
    shutil.rmtree(_DIR, ignore_errors=True)


@schema.parametrize()
@settings(max_examples=4, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_operation_answers_5xx(case: schemathesis.Case) -> None:
    case.call_and_validate(headers={"X-API-Key": _STATE["key"]}, checks=[not_a_server_error])
