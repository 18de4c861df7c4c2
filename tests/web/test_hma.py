"""HMA-compatible routes answer with HMA's paths, shapes, types and status codes."""

from __future__ import annotations

from tests.web.conftest import Service, flip_bits, photo

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
# the specimen pair from HMA's own /m/compare test: distance 9
SPECIMEN1 = "facd8bcb2a49bcebdec1985298d5fe84bcd006c187c598c720c3c087b3fdb318"
SPECIMEN2 = "facd8bcb2a49bcebdec1985228d5ae84bcd006c187c598c720c2b087b3fdb318"


def test_hma_errors_use_message_shape_and_need_a_key(service: Service) -> None:
    r = service.client.get("/c/banks")
    assert r.status_code == 401 and set(r.json()) == {"message"}
    headers = service.key("m", "match")
    r = service.client.post("/c/banks", json={"name": "A"}, headers=headers)
    assert r.status_code == 403 and set(r.json()) == {"message"}


def test_bank_create_rules_and_shapes(service: Service, admin: dict[str, str]) -> None:
    c = service.client
    assert c.get("/c/banks", headers=admin).json() == []
    for bad in ("01_TEST_BANK", "my_test_bank", "A-B", ""):
        r = c.post("/c/banks", json={"name": bad}, headers=admin)
        assert r.status_code == 400 and "message" in r.json()
    created = c.post("/c/banks", json={"name": "MY_TEST_BANK_01"}, headers=admin)
    assert created.status_code == 201
    assert created.json() == {"name": "MY_TEST_BANK_01", "matching_enabled_ratio": 1.0}
    dup = c.post("/c/banks", json={"name": "MY_TEST_BANK_01"}, headers=admin)
    assert dup.status_code == 403 and dup.json() == {"message": "Bank already exists"}
    assert c.get("/c/banks", headers=admin).json() == [created.json()]
    assert c.post("/c/banks", content=b"[1]", headers={
        **admin, "Content-Type": "application/json"}).status_code == 400
    assert c.post("/c/banks", content=b"{oops", headers={
        **admin, "Content-Type": "application/json"}).status_code == 400


def test_bank_update_and_delete(service: Service, admin: dict[str, str]) -> None:
    c = service.client
    c.post("/c/banks", json={"name": "MY_TEST_BANK"}, headers=admin)
    c.post("/c/banks", json={"name": "OTHER"}, headers=admin)
    assert c.put("/c/bank/MY_TEST_BANK", json={"name": "1_invalid"}, headers=admin).status_code == 400
    taken = c.put("/c/bank/MY_TEST_BANK", json={"name": "OTHER"}, headers=admin)
    assert taken.status_code == 403 and taken.json() == {"message": "Bank name already exists"}
    renamed = c.put("/c/bank/MY_TEST_BANK", json={"name": "RENAMED"}, headers=admin)
    assert renamed.status_code == 200 and renamed.json()["name"] == "RENAMED"
    off = c.put("/c/bank/RENAMED", json={"enabled": False}, headers=admin)
    assert off.json()["matching_enabled_ratio"] == 0
    half = c.put("/c/bank/RENAMED", json={"enabled_ratio": 0.5}, headers=admin)
    assert half.json() == {"name": "RENAMED", "matching_enabled_ratio": 0.5}
    assert c.get("/c/bank/RENAMED", headers=admin).json()["matching_enabled_ratio"] == 0.5
    missing = c.put("/c/bank/NOPE", json={"enabled": True}, headers=admin)
    assert missing.status_code == 404 and missing.json() == {"message": "Bank not found"}
    assert c.get("/c/bank/NOPE", headers=admin).status_code == 404
    assert c.delete("/c/bank/RENAMED", headers=admin).json() == {"message": "Done"}
    again = c.delete("/c/bank/RENAMED", headers=admin)
    assert again.status_code == 200 and again.json() == {"message": "Done"}


def test_signal_content_and_lookups(service: Service, admin: dict[str, str]) -> None:
    c = service.client
    c.post("/c/banks", json={"name": "TEST_BANK"}, headers=admin)
    added = c.post("/c/bank/TEST_BANK/signal", json={"pdq": PDQ}, headers=admin)
    assert added.status_code == 200
    content_id = added.json()["id"]
    assert added.json() == {"id": content_id, "signals": {"pdq": PDQ}}
    assert c.post("/c/bank/TEST_BANK/signal", json={}, headers=admin).json() == {
        "message": "No signals given"}
    assert c.post("/c/bank/TEST_BANK/signal", json={"pdq": "banana"},
                  headers=admin).status_code == 400
    assert c.post("/c/bank/TEST_BANK/signal", json={"nope": "a"}, headers=admin).status_code == 400
    assert c.post("/c/bank/NOPE/signal", json={"pdq": PDQ}, headers=admin).status_code == 404
    service.sync()

    lookup = c.get("/m/lookup", params={"signal_type": "pdq", "signal": flip_bits(PDQ, 2)},
                   headers=admin)
    assert lookup.json() == {"TEST_BANK": [{"bank_content_id": content_id, "distance": "2"}]}
    raw = c.get("/m/raw_lookup", params={"signal_type": "pdq", "signal": PDQ}, headers=admin)
    assert raw.json() == {"matches": [content_id]}
    with_distance = c.get("/m/raw_lookup", headers=admin, params={
        "signal_type": "pdq", "signal": PDQ, "include_distance": "true"})
    assert with_distance.json() == {"matches": [{"bank_content_id": content_id, "distance": "0"}]}
    assert c.get("/m/raw_lookup", params={"signal_type": "pdq"}, headers=admin).json() == {
        "message": "signal is required"}
    assert c.get("/m/lookup", params={"signal_type": "pdq", "signal": "zz"},
                 headers=admin).status_code == 400
    assert c.get("/m/lookup", headers=admin).status_code == 400
    assert c.get("/m/lookup", params={"signal_type": "nope", "signal": "a"},
                 headers=admin).status_code == 400

    content = c.get(f"/c/bank/TEST_BANK/content/{content_id}", headers=admin).json()
    assert content["id"] == content_id and content["disable_until_ts"] == 1
    assert content["bank"] == {"name": "TEST_BANK", "matching_enabled_ratio": 1.0}
    assert "signals" not in content
    typed = c.get(f"/c/bank/TEST_BANK/content/{content_id}", params={"signal_type": "pdq"},
                  headers=admin).json()
    assert typed["signals"] == {"pdq": PDQ}
    other = c.get(f"/c/bank/TEST_BANK/content/{content_id}", headers=admin,
                  params={"signal_type": "video_md5"}).json()
    assert other["signals"] == {}
    invalid = c.get(f"/c/bank/TEST_BANK/content/{content_id}", headers=admin,
                    params={"signal_type": "invalid"})
    assert invalid.status_code == 400 and "No such signal type" in invalid.json()["message"]
    assert c.get("/c/bank/TEST_BANK/content/99999", headers=admin).status_code == 404
    assert c.get(f"/c/bank/NOPE/content/{content_id}", headers=admin).status_code == 404

    too_far = c.put(f"/c/bank/TEST_BANK/content/{content_id}",
                    json={"disable_until_ts": 9999999999}, headers=admin)
    assert too_far.status_code == 400
    disabled = c.put(f"/c/bank/TEST_BANK/content/{content_id}", json={"disable_until_ts": 0},
                     headers=admin)
    assert disabled.status_code == 200 and disabled.json()["disable_until_ts"] == 0
    service.sync()
    assert c.get("/m/lookup", params={"signal_type": "pdq", "signal": PDQ},
                 headers=admin).json() == {}
    assert c.delete(f"/c/bank/TEST_BANK/content/{content_id}", headers=admin).json() == {
        "deleted": 1}
    assert c.delete(f"/c/bank/TEST_BANK/content/{content_id}", headers=admin).json() == {
        "deleted": 0}


def test_compare_and_index_status(service: Service, admin: dict[str, str]) -> None:
    c = service.client
    r = c.post("/m/compare", json={"pdq": [SPECIMEN1, SPECIMEN2]}, headers=admin)
    assert r.json() == {"pdq": [True, {"distance": 9}]}
    for bad in (["banana"], {"pdq": "banana"}, {"pdq": []}, {"pdq": ["banana", "banana"]},
                {"pdq": [SPECIMEN1, SPECIMEN2, SPECIMEN1]}):
        assert c.post("/m/compare", json=bad, headers=admin).status_code == 400
    status = c.get("/m/index/status", headers=admin).json()
    assert set(status["pdq"]) == {"built_to", "present", "size"}
    assert isinstance(status["pdq"]["present"], bool) and status["pdq"]["size"] == 0
    assert set(c.get("/m/index/status", params={"signal_type": "pdq"}, headers=admin).json()) == {"pdq"}
    assert c.get("/m/index/status", params={"signal_type": "x"}, headers=admin).status_code == 400


def test_hash_upload_and_lookup_upload(service: Service, admin: dict[str, str]) -> None:
    c = service.client
    image = photo(5)
    hashed = c.post("/h/hash", files={"photo": ("a.png", image, "image/png")}, headers=admin)
    assert hashed.status_code == 200
    assert set(hashed.json()) == {"pdq", "md5", "sha256"}
    assert all(isinstance(v, str) for v in hashed.json().values())
    assert c.post("/h/hash", headers=admin, files=[
        ("photo", ("a.png", image, "image/png")), ("photo", ("b.png", image, "image/png"))]
    ).json() == {"message": "Only one file allowed per request"}
    assert c.post("/h/hash", files={"banana": ("a.png", image)}, headers=admin).status_code == 400
    assert c.post("/h/hash", headers=admin).json() == {
        "message": "Missing multipart/form-data file upload"}
    c.post("/c/banks", json={"name": "PHOTOS"}, headers=admin)
    added = c.post("/c/bank/PHOTOS/content", files={"photo": ("a.png", image)}, headers=admin)
    assert added.status_code == 200 and set(added.json()["signals"]) == {"pdq", "md5", "sha256"}
    assert c.post("/c/bank/PHOTOS/content", headers=admin).status_code == 400
    service.sync()
    found = c.post("/m/lookup", files={"photo": ("a.png", image)}, headers=admin).json()
    assert set(found) == {"pdq", "md5", "sha256"}
    assert found["pdq"]["PHOTOS"][0]["distance"] == "0"


def test_url_hashing_is_off_and_never_reaches_private_addresses(make_service) -> None:  # type: ignore[no-untyped-def]
    off = make_service()
    headers = off.key("m", "match")
    r = off.client.get("/h/hash", params={"url": "http://example.com/a.png"}, headers=headers)
    assert r.status_code == 403 and "disabled" in r.json()["message"]
    on = make_service(url_fetch_enabled=True)
    headers = on.key("m2", "match")
    for url in ("http://127.0.0.1:5432/", "http://169.254.169.254/latest/meta-data",
                "http://[::1]/x", "http://localhost/x", "file:///etc/passwd"):
        r = on.client.get("/h/hash", params={"url": url}, headers=headers)
        assert r.status_code == 400, url
    r = on.client.get("/m/lookup", params={"url": "http://10.0.0.1/a.png"}, headers=headers)
    assert r.status_code == 400


def test_enabled_ratio_is_a_stable_sample(service: Service, admin: dict[str, str]) -> None:
    c = service.client
    c.post("/c/banks", json={"name": "HALF", "enabled_ratio": 0.5}, headers=admin)
    values = [f"{i:032x}" for i in range(1, 81)]
    for value in values:
        c.post("/c/bank/HALF/signal", json={"video_md5": value}, headers=admin)
    service.sync()

    def hits() -> list[bool]:
        return [bool(c.get("/m/lookup", params={"signal_type": "md5", "signal": v},
                           headers=admin).json()) for v in values]

    first = hits()
    assert first == hits()  # same content, same answer, every time
    assert 20 <= sum(first) <= 60  # about half of distinct contents take part
    bypass = c.get("/m/lookup", headers=admin, params={
        "signal_type": "md5", "signal": values[first.index(False)], "bypass_coinflip": "true"})
    assert "HALF" in bypass.json()
    seeded = {bool(c.get("/m/lookup", headers=admin, params={
        "signal_type": "md5", "signal": v, "seed": "content-42"}).json()) for v in values}
    assert len(seeded) == 1  # the seed, not the hash, keys the sample
