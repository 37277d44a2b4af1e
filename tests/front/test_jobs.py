"""A job that carries a user's data is that user's alone at /api/jobs/{id}/; other jobs stay public."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

from cache import jobs, keys
from tests.conftest import FAULTS_VHOST, account, start_server


def test_a_recommendation_job_is_404_to_another_user_and_to_anonymous_callers_and_200_to_its_owner(
    logs: Path, seeded: str
) -> None:
    # The server sends to a virtual host no worker serves, so every job is still queued when it answers.
    proc, base = start_server(logs, RESULT_WAIT_SECONDS="0.2", RABBITMQ_URL=FAULTS_VHOST)
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            owner, other = account(client, "jobowner"), account(client, "jobother")
            started = client.get("/api/users/me/recommendations/", headers=owner["headers"])
            assert started.status_code == 202, started.text
            url = started.json()["status_url"]

            mine = client.get(url, headers=owner["headers"])
            assert mine.status_code == 200, mine.text
            assert mine.json()["id"] == started.json()["job_id"] and mine.json()["kind"] == "recommendations"
            missing = client.get("/api/jobs/" + "0" * 32 + "/", headers=owner["headers"])
            for headers in (other["headers"], {}):
                hidden = client.get(url, headers=headers)
                assert hidden.status_code == 404, hidden.text
                assert hidden.headers["content-type"].startswith("application/problem+json")
                assert hidden.json()["detail"] == missing.json()["detail"], "another's job reads as a missing one"
            assert client.get(url, headers={"Authorization": "Bearer not-a-token"}).status_code == 401

            search = client.get(f"/api/search/?q=ownerless{time.time_ns()}")
            assert search.status_code == 202, search.text
            for headers in (other["headers"], owner["headers"], {}):
                assert client.get(search.json()["status_url"], headers=headers).status_code == 200
    finally:
        proc.stop()


async def test_a_job_record_keeps_its_owner_and_a_job_without_one_has_none(redis: Any) -> None:
    owned = await jobs.lookup(redis, keys.work_key("test-owned", {"n": time.time_ns()}), "test-owned", 60,
                              owner=42)
    assert owned.created and owned.job_id is not None
    record = await jobs.get_job(redis, owned.job_id)
    assert record is not None and jobs.owner(record) == 42

    claimed, _ = await jobs.claim(redis, keys.work_key("test-owned", {"n": time.time_ns()}), "test-owned", 60)
    unowned = await jobs.get_job(redis, claimed)
    assert unowned is not None and jobs.owner(unowned) is None

    work = "test-owned:record"
    job_id = keys.tag(work) + "f" * (32 - len(keys.tag(work)))  # a job's id starts with its work's hash tag
    await jobs.record(redis, job_id, "test-owned", work, 60, owner=7)
    recorded = await jobs.get_job(redis, job_id)
    assert recorded is not None and jobs.owner(recorded) == 7
