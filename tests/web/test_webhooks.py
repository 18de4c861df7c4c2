"""Match events reach a real local HTTP receiver: signed, retried with backoff, visible."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from crowsnest.core.signing import verify
from crowsnest.db.engine import unit_of_work
from crowsnest.services import outbox
from tests.web.conftest import Service

SECRET = "a-shared-secret-of-some-length"
MD5 = "0123456789abcdef0123456789abcdef"


class Receiver:
    """A tiny webhook receiver on 127.0.0.1 that fails the first ``fail_first`` requests."""

    def __init__(self, fail_first: int, fail_status: int = 503) -> None:
        self.fail_first, self.fail_status = fail_first, fail_status
        self.requests: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append((dict(self.headers), body))
                failing = len(receiver.requests) <= receiver.fail_first
                self.send_response(receiver.fail_status if failing else 200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(fail_first=2)
    yield r
    r.close()


def _bank_with_webhook(service: Service, admin: dict[str, str], url: str) -> None:
    c = service.client
    c.post("/v1/banks", json={"name": "known"}, headers=admin)
    c.post("/v1/banks/known/entries", json={"signal_type": "md5", "value": MD5}, headers=admin)
    action = c.post("/v1/banks/known/actions", headers=admin, json={
        "name": "quarantine", "target": {"url": url, "secret": SECRET}})
    assert action.status_code == 201 and action.json()["target"]["secret"] == "***"
    service.sync()


def _deliver_until_done(service: Service, rounds: int = 50) -> None:
    for _ in range(rounds):
        service.rt.outbox.run_once()
        with unit_of_work(service.rt.factory) as session:
            states = {m.status for m in outbox.list_messages(session)}
        if states <= {"delivered", "dead"}:
            return
        import time

        time.sleep(0.02)


def test_match_webhook_is_signed_retried_and_visible(make_service, receiver: Receiver) -> None:  # type: ignore[no-untyped-def]
    service = make_service(outbox_backoff_base_s=0.01, outbox_backoff_max_s=0.05)
    admin = service.key("ops", "admin")
    _bank_with_webhook(service, admin, receiver.url)
    platform = service.key("platform", "match")
    result = service.client.post("/v1/match/hashes", headers=platform, json={
        "hashes": [{"signal_type": "md5", "value": MD5}]}).json()
    assert result["events"] == 1
    _deliver_until_done(service)
    assert len(receiver.requests) == 3  # two 503s, then delivered
    headers, body = receiver.requests[-1]
    verify(SECRET, body, headers)  # raises if the signature is wrong
    event = json.loads(body)
    assert (event["event"], event["bank"], event["action"]) == ("match", "known", "quarantine")
    assert event["requested_by"] == "platform"
    assert event["matches"][0]["signal_type"] == "md5"
    assert len({h["Idempotency-Key"] for h, _ in receiver.requests}) == 1
    [delivery] = service.client.get("/v1/deliveries", headers=admin).json()
    assert (delivery["status"], delivery["attempts"]) == ("delivered", 3)
    one = service.client.get(f"/v1/deliveries/{delivery['id']}", headers=admin).json()
    assert one["delivered_at"] is not None and one["last_error"] is None
    assert service.client.get("/v1/deliveries", headers=platform).status_code == 403


def test_permanent_failure_goes_dead_and_lookup_without_match_sends_nothing(make_service) -> None:  # type: ignore[no-untyped-def]
    failing = Receiver(fail_first=100, fail_status=410)
    try:
        service = make_service(outbox_backoff_base_s=0.01, outbox_backoff_max_s=0.05)
        admin = service.key("ops", "admin")
        _bank_with_webhook(service, admin, failing.url)
        service.client.post("/v1/match/hashes", headers=admin, json={
            "hashes": [{"signal_type": "md5", "value": "f" * 32}]})
        assert service.client.get("/v1/deliveries", headers=admin).json() == []
        service.client.post("/v1/match/hashes", headers=admin, json={
            "hashes": [{"signal_type": "md5", "value": MD5}]})
        _deliver_until_done(service)
        [delivery] = service.client.get("/v1/deliveries", headers=admin).json()
        assert (delivery["status"], delivery["attempts"]) == ("dead", 1)
        assert "410" in delivery["last_error"]
    finally:
        failing.close()


def test_retries_stop_at_max_attempts_and_outage_loses_nothing(make_service) -> None:  # type: ignore[no-untyped-def]
    down = Receiver(fail_first=3)
    try:
        service = make_service(outbox_backoff_base_s=0.01, outbox_backoff_max_s=0.02,
                               outbox_max_attempts=2)
        admin = service.key("ops", "admin")
        _bank_with_webhook(service, admin, down.url)
        service.client.post("/v1/match/hashes", headers=admin, json={
            "hashes": [{"signal_type": "md5", "value": MD5}]})
        _deliver_until_done(service)
        [delivery] = service.client.get("/v1/deliveries", headers=admin).json()
        assert (delivery["status"], delivery["attempts"]) == ("dead", 2)
    finally:
        down.close()


def test_enqueue_is_idempotent_and_validates_targets(service: Service) -> None:
    from crowsnest.core.errors import InvalidInput

    with unit_of_work(service.rt.factory) as session:
        first = outbox.enqueue(session, key="forward:1", kind="forward", destination_name="webhook",
                               target={"url": "http://127.0.0.1:9/x", "secret": SECRET},
                               payload={"n": 1})
        again = outbox.enqueue(session, key="forward:1", kind="forward", destination_name="webhook",
                               target={"url": "http://127.0.0.1:9/x", "secret": SECRET},
                               payload={"n": 2})
        assert first.id == again.id and again.payload == {"n": 1}
        with pytest.raises(InvalidInput):
            outbox.enqueue(session, key="forward:2", kind="forward", destination_name="webhook",
                           target={"url": "ftp://x", "secret": SECRET}, payload={})
        with pytest.raises(InvalidInput):
            outbox.enqueue(session, key="forward:3", kind="forward", destination_name="nowhere",
                           target={}, payload={})


def test_backoff_grows_and_is_capped() -> None:
    import random

    rng = random.Random(1)
    delays = [outbox.backoff(n, 2.0, 60.0, rng) for n in range(1, 10)]
    assert 1.0 <= delays[0] <= 2.0 and all(d <= 60.0 for d in delays)
    assert delays[4] > delays[0]


def test_hma_lookup_runs_bank_actions_too(make_service, receiver: Receiver) -> None:  # type: ignore[no-untyped-def]
    service = make_service(outbox_backoff_base_s=0.01, outbox_backoff_max_s=0.05)
    admin = service.key("ops", "admin")
    _bank_with_webhook(service, admin, receiver.url)
    found = service.client.get("/m/lookup", params={"signal_type": "video_md5", "signal": MD5},
                               headers=admin).json()
    assert list(found) == ["known"]
    [delivery] = service.client.get("/v1/deliveries", headers=admin).json()
    assert delivery["payload"]["content"]["via"] == "hma"


def test_two_workers_claim_disjoint_messages(service: Service) -> None:
    ok = Receiver(fail_first=0)
    try:
        with unit_of_work(service.rt.factory) as session:
            for i in range(30):
                outbox.enqueue(session, key=f"forward:{i}", kind="forward",
                               destination_name="webhook",
                               target={"url": ok.url, "secret": SECRET}, payload={"n": i})
        workers = [outbox.OutboxWorker(service.rt.factory, batch=5) for _ in range(2)]

        def drain(worker: outbox.OutboxWorker) -> None:
            while worker.run_once():
                pass

        threads = [threading.Thread(target=drain, args=(w,)) for w in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        keys = [h["Idempotency-Key"] for h, _ in ok.requests]
        assert sorted(keys) == sorted(f"forward:{i}" for i in range(30))  # each exactly once
    finally:
        ok.close()
