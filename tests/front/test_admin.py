"""Operator routes: only administrators may seed or change settings; what they send is validated."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import httpx
import pytest

from seeds.app_settings import DEFAULT_SETTINGS
from stores import Stores
from tests.actors.test_seeding import counts
from tests.conftest import SEED, account

ROUTES = [("POST", "/api/admin/seed", {}), ("GET", "/api/admin/settings/site_name", None),
          ("PUT", "/api/admin/settings/site_name", {"value": "x"})]


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_admin_routes_refuse_anonymous_callers_and_members(http: httpx.Client, seeded: str, method: str, path: str,
                                                           body: Any) -> None:
    anonymous = http.request(method, path, json=body)
    assert anonymous.status_code == 401, anonymous.text
    assert anonymous.headers["content-type"].startswith("application/problem+json")
    member = account(http, "notadmin")
    refused = http.request(method, path, json=body, headers=member["headers"])
    assert refused.status_code == 403, refused.text


def test_a_setting_round_trips_and_keeps_unicode(http: httpx.Client, admin: dict[str, str]) -> None:
    value = {"headline": "Ciné-club ✓", "slots": [1, 2, 3], "nested": {"on": True, "ratio": 0.5}}
    saved = http.put("/api/admin/settings/test_banner", json={"value": value}, headers=admin)
    assert saved.status_code == 200, saved.text
    assert saved.json()["value"] == value and saved.json()["updated_at"].endswith("Z")
    read = http.get("/api/admin/settings/test_banner/", headers=admin)
    assert read.status_code == 200 and read.json()["value"] == value


def test_seeded_default_settings_are_readable(http: httpx.Client, admin: dict[str, str]) -> None:
    for key, value in DEFAULT_SETTINGS.items():
        found = http.get(f"/api/admin/settings/{key}", headers=admin)
        assert found.status_code == 200, found.text
        assert found.json()["key"] == key and type(found.json()["value"]) is type(value)
    assert http.get("/api/admin/settings/no_such_setting", headers=admin).status_code == 404


@pytest.mark.parametrize(("key", "body"), [
    ("Bad-Key", {"value": 1}),
    ("x" * 65, {"value": 1}),
    ("ok_key", {}),
    ("ok_key", {"value": 1, "extra": 2}),
    ("ok_key", {"value": {"$gt": ""}}),
    ("ok_key", {"value": {"a.b": 1}}),
    ("ok_key", {"value": [{"$set": 1}]}),
    ("ok_key", {"value": [[[[[[[[[[1]]]]]]]]]]}),
])
def test_bad_settings_are_refused_and_nothing_is_written(http: httpx.Client, admin: dict[str, str], key: str,
                                                         body: dict[str, Any]) -> None:
    if key == "ok_key":
        key = f"unwritten_{uuid.uuid4().hex}"
    response = http.put(f"/api/admin/settings/{key}", json=body, headers=admin)
    assert response.status_code in (400, 422), response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    if key.startswith("unwritten_"):
        assert http.get(f"/api/admin/settings/{key}", headers=admin).status_code == 404


@pytest.mark.parametrize("body", [{"movies": 0}, {"users": "10"}, {"reviews": -1}, {"films": 10},
                                  {"movies": 10**9}])
def test_bad_seed_sizes_are_refused(http: httpx.Client, admin: dict[str, str], body: dict[str, Any]) -> None:
    response = http.post("/api/admin/seed", json=body, headers=admin)
    assert response.status_code == 422, response.text


async def test_an_admin_seed_is_a_job_that_finishes_and_changes_no_counts(http: httpx.Client, admin: dict[str, str],
                                                                          stores: Stores) -> None:
    before = await counts(stores)
    started = http.post("/api/admin/seed", json=SEED, headers=admin)
    assert started.status_code == 202, started.text
    assert started.headers["location"] == started.json()["status_url"]
    deadline = time.monotonic() + 180
    status: dict[str, Any] = {}
    while time.monotonic() < deadline:
        status = http.get(started.json()["status_url"]).json()
        if status["status"] in ("done", "failed"):
            break
        await asyncio.sleep(0.5)
    assert status.get("status") == "done", status
    assert await counts(stores) == before
