"""The read-back protocol: 202 with a job URL when the worker is slower than the wait; job states; failures."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx

from cache import jobs, keys
from tests.conftest import FAULTS_VHOST, start_server, start_worker


def test_a_short_wait_answers_202_with_a_job_that_completes(logs: Path, seeded: str) -> None:
    # The server sends to a virtual host no worker serves yet, so the wait surely runs out.
    proc, base = start_server(logs, RESULT_WAIT_SECONDS="0.2", RABBITMQ_URL=FAULTS_VHOST)
    late_worker = None
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            response = client.get(f"/api/search/?q=unique{time.time_ns()}")
            assert response.status_code == 202, response.text
            body = response.json()
            assert response.headers["Location"] == body["status_url"] == f"/api/jobs/{body['job_id']}/"
            assert body["status"] == "queued"
            assert client.get(body["status_url"]).json()["status"] == "queued"
            late_worker = start_worker(logs, name="late-worker", queues="interactive", RABBITMQ_URL=FAULTS_VHOST)
            for _ in range(300):
                job = client.get(body["status_url"]).json()
                if job["status"] == "done":
                    break
                time.sleep(0.1)
            assert job["status"] == "done" and job["result"] == [] and job["finished_at"]
    finally:
        if late_worker is not None:
            late_worker.stop()
        proc.stop()


async def test_a_job_that_fails_for_good_shows_failed_with_its_error(
    http: httpx.Client, redis: Any, seeded: str
) -> None:
    import actors  # noqa: F401 - the session broker
    from actors.recommendations import find_similar

    params = {"movie_id": 999_999_999}
    key = keys.work_key("similar", params)
    job_id, created = await jobs.claim(redis, key, "similar", 60)
    assert created
    await asyncio.to_thread(find_similar.send, job_id, key, params)
    for _ in range(100):
        job = http.get(f"/api/jobs/{job_id}/").json()
        if job["status"] in ("done", "failed"):
            break
        await asyncio.sleep(0.1)
    assert job["status"] == "failed"
    assert "999999999" in job["error"]
