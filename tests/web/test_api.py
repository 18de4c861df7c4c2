"""The /v1 API end to end: auth, banks, entries, matching, uploads, import/export."""

from __future__ import annotations

from tests.web.conftest import Service, flip_bits, photo

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"


def test_health_probes_need_no_key(service: Service) -> None:
    c = service.client
    assert c.get("/healthz").json() == {"status": "ok"}
    ready = c.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    assert c.get("/status").text == "I-AM-ALIVE"
    assert c.get("/status/live").text == "I-AM-ALIVE"
    metrics = c.get("/metrics").text
    assert "crowsnest_http_requests_total" in metrics and "crowsnest_index_entries" in metrics
    assert c.get("/docs").status_code == 200
    assert "/v1/match/hashes" in c.get("/openapi.json").json()["paths"]


def test_auth_missing_wrong_and_insufficient(service: Service) -> None:
    c = service.client
    missing = c.get("/v1/banks")
    assert missing.status_code == 401 and missing.json()["error"] == "unauthorized"
    bad = c.get("/v1/banks", headers={"X-API-Key": "cn_abcdefgh_" + "x" * 43})
    assert bad.status_code == 401
    assert c.get("/v1/banks", headers={"Authorization": "Bearer nonsense"}).status_code == 401
    matcher = service.key("platform", "match")
    assert c.get("/v1/banks", headers=matcher).status_code == 200
    denied = c.post("/v1/banks", json={"name": "x"}, headers=matcher)
    assert denied.status_code == 403 and denied.json()["error"] == "forbidden"
    bearer = {"Authorization": "Bearer " + matcher["X-API-Key"]}
    assert c.get("/v1/banks", headers=bearer).status_code == 200


def test_revoked_key_is_refused(service: Service) -> None:
    from crowsnest.db.engine import unit_of_work
    from crowsnest.services.apikeys import revoke_key

    headers = service.key("temp", "match")
    assert service.client.get("/v1/banks", headers=headers).status_code == 200
    with unit_of_work(service.rt.factory) as session:
        revoke_key(session, "temp")
    service.rt.keys.forget()
    assert service.client.get("/v1/banks", headers=headers).status_code == 401


def test_bank_lifecycle_with_counts(service: Service, admin: dict[str, str]) -> None:
    c = service.client
    created = c.post("/v1/banks", json={"name": "known", "description": "d"}, headers=admin)
    assert created.status_code == 201 and created.json()["entry_counts"] == {}
    assert c.post("/v1/banks", json={"name": "known"}, headers=admin).status_code == 409
    added = c.post("/v1/banks/known/entries", json={"signal_type": "pdq", "value": PDQ,
                                                    "labels": ["industry:A1"]}, headers=admin)
    assert added.status_code == 201 and added.json()["created"] is True
    assert added.json()["entry"]["added_by"] == "admin-key"
    c.post("/v1/banks/known/entries", json={"signal_type": "md5", "value": "a" * 32},
           headers=admin)
    bank = c.get("/v1/banks/known", headers=admin).json()
    assert bank["entry_counts"] == {"pdq": 1, "md5": 1} and bank["total_entries"] == 2
    renamed = c.patch("/v1/banks/known", json={"name": "renamed", "enabled": False},
                      headers=admin)
    assert renamed.status_code == 200
    assert (renamed.json()["name"], renamed.json()["enabled"]) == ("renamed", False)
    assert c.get("/v1/banks/known", headers=admin).status_code == 404
    assert [b["name"] for b in c.get("/v1/banks", headers=admin).json()] == ["renamed"]
    gone = c.delete("/v1/banks/renamed", headers=admin)
    assert gone.json() == {"deleted": True, "entries_removed": 2}
    audit = c.get("/v1/audit", headers=admin).json()
    assert {a["action"] for a in audit} >= {"bank.create", "bank.update", "bank.delete"}
    assert {a["actor"] for a in audit} == {"admin-key"}


def test_entry_get_disable_delete_and_matching(service: Service, admin: dict[str, str]) -> None:
    c = service.client
    c.post("/v1/banks", json={"name": "b"}, headers=admin)
    entry = c.post("/v1/banks/b/entries", json={"signal_type": "pdq", "value": PDQ.upper()},
                   headers=admin).json()["entry"]
    assert entry["value"] == PDQ
    service.sync()
    near = flip_bits(PDQ, 5)
    one = c.get("/v1/match/hash", params={"signal_type": "pdq", "value": near}, headers=admin)
    assert one.status_code == 200
    [match] = one.json()["matches"]
    assert (match["bank"], match["entry_id"], match["distance"]) == ("b", entry["id"], 5)
    strict = c.get("/v1/match/hash", params={"signal_type": "pdq", "value": near,
                                             "threshold": 4}, headers=admin)
    assert strict.json()["matches"] == []
    assert c.get(f"/v1/entries/{entry['id']}", headers=admin).json()["value"] == PDQ
    off = c.patch(f"/v1/entries/{entry['id']}", json={"enabled": False}, headers=admin)
    assert off.json()["enabled"] is False
    service.sync()
    assert c.get("/v1/match/hash", params={"signal_type": "pdq", "value": PDQ},
                 headers=admin).json()["matches"] == []
    assert c.delete(f"/v1/entries/{entry['id']}", headers=admin).status_code == 200
    assert c.get(f"/v1/entries/{entry['id']}", headers=admin).status_code == 404


def test_batch_match(service: Service, admin: dict[str, str]) -> None:
    c = service.client
    c.post("/v1/banks", json={"name": "b"}, headers=admin)
    c.post("/v1/banks/b/entries", json={"signal_type": "pdq", "value": PDQ}, headers=admin)
    c.post("/v1/banks/b/entries", json={"signal_type": "sha256", "value": "ab" * 32},
           headers=admin)
    service.sync()
    hashes = [{"signal_type": "pdq", "value": flip_bits(PDQ, 3)},
              {"signal_type": "sha256", "value": "ab" * 32},
              {"signal_type": "pdq", "value": flip_bits(PDQ, 100)}]
    body = c.post("/v1/match/hashes", json={"hashes": hashes}, headers=admin).json()
    assert [len(r["matches"]) for r in body["results"]] == [1, 1, 0]
    assert body["results"][0]["matches"][0]["distance"] == 3
    too_many = c.post("/v1/match/hashes", headers=admin,
                      json={"hashes": [{"signal_type": "md5", "value": "a" * 32}] * 1001})
    assert too_many.status_code == 422
    bad = c.post("/v1/match/hashes", headers=admin, json={"hashes": [
        {"signal_type": "md5", "value": "a" * 32}, {"signal_type": "pdq", "value": "zz"}]})
    assert bad.status_code == 422 and bad.json()["context"] == {"index": 1}
    unknown = c.post("/v1/match/hashes", headers=admin, json={"hashes": [
        {"signal_type": "nope", "value": "a"}]})
    assert unknown.status_code == 422 and unknown.json()["error"] == "unknown_signal_type"
    assert c.post("/v1/match/hashes", json={"hashes": hashes, "banks": ["missing"]},
                  headers=admin).status_code == 404


def test_hash_and_match_uploads(service: Service, admin: dict[str, str]) -> None:
    c = service.client
    hashed = c.post("/v1/hash", files={"file": ("a.png", photo(1), "image/png")}, headers=admin)
    assert hashed.status_code == 200
    body = hashed.json()
    assert body["content_type"] == "photo" and set(body["signals"]) == {"pdq", "md5", "sha256"}
    assert isinstance(body["signals"]["pdq"]["quality"], int)
    c.post("/v1/banks", json={"name": "b"}, headers=admin)
    added = c.post("/v1/banks/b/entries/upload", headers=admin,
                   files={"file": ("a.png", photo(1), "image/png")}, data={"labels": ["x"]})
    assert added.status_code == 201 and len(added.json()) == 3
    service.sync()
    mirrored = ("m.png", photo(1, mirror=True), "image/png")
    found = c.post("/v1/match", files={"file": mirrored}, headers=admin).json()
    assert any(m["signal_type"] == "pdq" and m["variant"] for m in found["matches"])
    only = c.post("/v1/match", params={"orientation": "original"}, files={"file": mirrored},
                  headers=admin).json()
    assert not any(m["signal_type"] == "pdq" for m in only["matches"])
    other = c.post("/v1/match", files={"file": ("o.png", photo(99), "image/png")},
                   headers=admin).json()
    assert other["matches"] == []


def test_bad_input_never_500(make_service, ) -> None:  # type: ignore[no-untyped-def]
    service = make_service(max_upload_bytes=50_000, max_image_pixels=10_000)
    admin = service.key("a", "admin")
    c = service.client
    big = c.post("/v1/hash", files={"file": ("x.bin", b"\0" * 60_000)}, headers=admin)
    assert big.status_code == 413 and big.json()["error"] == "payload_too_large"

    def chunked():  # no Content-Length: the limit is enforced while receiving
        for _ in range(10):
            yield b"\0" * 10_000
    streamed = c.post("/v1/banks/x/import", content=chunked(), headers=admin)
    assert streamed.status_code == 413
    bomb = c.post("/v1/hash", files={"file": ("b.jpg", photo(1, size=200, fmt="JPEG"), "image/jpeg")},
                  headers=admin)
    assert bomb.status_code == 413 and bomb.json()["error"] == "media_too_large"
    assert c.post("/v1/hash", json={"file": "x"}, headers=admin).status_code == 415
    assert c.post("/v1/banks", content=b"name=x", headers={
        **admin, "Content-Type": "application/x-www-form-urlencoded"}).status_code == 415
    broken = c.post("/v1/banks", content=b"{not json", headers={
        **admin, "Content-Type": "application/json"})
    assert broken.status_code == 422 and broken.json()["error"] == "invalid_input"
    assert c.post("/v1/banks", json=["a"], headers=admin).status_code == 422
    assert c.post("/v1/banks", json={"name": "a", "bogus": 1}, headers=admin).status_code == 422
    truncated = photo(2, size=64)[:200]
    r = c.post("/v1/hash", files={"file": ("t.png", truncated, "image/png")}, headers=admin)
    assert r.status_code in (415, 422) and "error" in r.json()
    empty = c.post("/v1/hash", files={"file": ("e.png", b"", "image/png")}, headers=admin)
    assert empty.status_code == 422
    assert c.get("/v1/banks/nope", headers=admin).status_code == 404
    assert c.get("/v1/entries/0", headers=admin).status_code == 422
    assert c.get("/v1/entries/abc", headers=admin).status_code == 422
    assert c.get("/nowhere", headers=admin).json()["error"] == "not_found"
    assert c.put("/v1/banks", headers=admin).status_code == 405
    malformed = c.post("/v1/banks/x/entries", json={"signal_type": "pdq", "value": "12"},
                       headers=admin)
    assert malformed.status_code in (404, 422)


def test_import_atomic_and_skip_invalid_then_export(service: Service,
                                                     admin: dict[str, str]) -> None:
    c = service.client
    c.post("/v1/banks", json={"name": "list"}, headers=admin)
    good = "\n".join(f"md5 {i:032x}" for i in range(1, 6))
    bad = good + "\nmd5 nothex\n"
    refused = c.post("/v1/banks/list/import", params={"format": "te"}, content=bad.encode(),
                     headers=admin)
    assert refused.status_code == 422 and "line 6" in refused.json()["detail"]
    assert c.get("/v1/banks/list", headers=admin).json()["total_entries"] == 0
    report = c.post("/v1/banks/list/import", params={"format": "te", "skip_invalid": True},
                    content=bad.encode(), headers=admin).json()
    assert (report["inserted"], report["skipped"]) == (5, 1)
    assert report["errors"][0]["line"] == 6
    exported = c.get("/v1/banks/list/export", params={"format": "te"}, headers=admin)
    assert exported.status_code == 200
    lines = [line for line in exported.text.splitlines() if line.strip()]
    assert sorted(lines) == sorted(good.splitlines())
    # the import's changes are applied before its response: no sync needed
    status = c.get("/v1/index", headers=admin).json()
    assert status["loaded"] and status["last_change_id"] >= 5
    assert status["sizes"]["md5"] == 5


def test_video_upload_is_hashed_and_matched(service: Service, admin: dict[str, str]) -> None:
    from importlib import resources

    video = (resources.files("crowsnest.testing") / "samples" / "moving_shapes.mp4").read_bytes()
    c = service.client
    hashed = c.post("/v1/hash", files={"file": ("v.mp4", video, "video/mp4")}, headers=admin)
    assert hashed.status_code == 200 and hashed.json()["content_type"] == "video"
    assert {"vpdq", "md5"} <= set(hashed.json()["signals"])
    c.post("/v1/banks", json={"name": "videos"}, headers=admin)
    c.post("/v1/banks/videos/entries/upload", files={"file": ("v.mp4", video)}, headers=admin)
    service.sync()
    found = c.post("/v1/match", files={"file": ("v.mp4", video)}, headers=admin).json()
    assert {m["signal_type"] for m in found["matches"]} >= {"vpdq", "md5"}


def test_index_follows_bank_disable_and_cascading_delete(service: Service,
                                                         admin: dict[str, str]) -> None:
    c = service.client
    c.post("/v1/banks", json={"name": "b"}, headers=admin)
    for i in range(3):
        c.post("/v1/banks/b/entries", json={"signal_type": "md5", "value": f"{i:032x}"},
               headers=admin)
    service.sync()
    assert service.rt.index.status().sizes["md5"] == 3
    c.patch("/v1/banks/b", json={"enabled": False}, headers=admin)
    service.sync()
    assert service.rt.index.status().sizes["md5"] == 0
    c.patch("/v1/banks/b", json={"enabled": True}, headers=admin)
    service.sync()
    assert service.rt.index.status().sizes["md5"] == 3
    c.delete("/v1/banks/b", headers=admin)  # entries go by ON DELETE CASCADE
    service.sync()
    assert service.rt.index.status().sizes["md5"] == 0


def test_old_changes_are_pruned_but_the_watermark_stays(service: Service,
                                                        admin: dict[str, str]) -> None:
    from datetime import timedelta

    from crowsnest.db.models import utcnow
    from crowsnest.db.repositories import changelog

    c = service.client
    c.post("/v1/banks", json={"name": "b"}, headers=admin)
    for i in range(3):
        c.post("/v1/banks/b/entries", json={"signal_type": "md5", "value": f"{i:032x}"},
               headers=admin)
    service.sync()
    from crowsnest.db.engine import unit_of_work

    with unit_of_work(service.rt.factory) as session:
        assert changelog.prune(session, utcnow() - timedelta(hours=1)) == 0
        assert changelog.prune(session, utcnow() + timedelta(hours=1)) == 2
        assert changelog.latest_id(session) == 3


def test_a_curation_change_is_matched_by_the_same_worker_at_once(
    service: Service, admin: dict[str, str],
) -> None:
    # no service.sync(): the worker catches up on its own writes before it answers
    c = service.client
    c.post("/v1/banks", json={"name": "now"}, headers=admin)
    entry = c.post("/v1/banks/now/entries", json={"signal_type": "pdq", "value": PDQ},
                   headers=admin).json()["entry"]
    hit = c.get("/v1/match/hash", params={"signal_type": "pdq", "value": PDQ}, headers=admin)
    assert [m["entry_id"] for m in hit.json()["matches"]] == [entry["id"]]
    c.patch(f"/v1/entries/{entry['id']}", json={"enabled": False}, headers=admin)
    miss = c.get("/v1/match/hash", params={"signal_type": "pdq", "value": PDQ}, headers=admin)
    assert miss.json()["matches"] == []
