"""Signing in to the console and reading its CSRF token, for in-process page tests."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

PASSWORD = "a long enough passphrase"


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign ``username`` in; the CSRF token of the page that answers."""
    page = client.post("/console/login", data={
        "csrf_token": csrf_token(client.get("/console/login").text), "username": username,
        "password": password})
    assert page.status_code == 200, page.text[:500]
    return csrf_token(page.text)
