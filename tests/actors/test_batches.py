"""List jobs that the front door starts at the same moment go to the index in one message, and each gets its own
page; a batch that cannot be sent fails every job in it and releases their claims; a batch naming work the
worker does not know fails that job only."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from actors.broker import amqp_urls, broker
from actors.discover import discover_movies, discover_people
from actors.work import work_batch
from cache import jobs, keys
from cache.jobs import Notifier
from config import Settings
from errors import Unavailable
from front.metrics import BATCHED_JOBS
from front.workers.dispatch import Dispatcher
from front.workers.publisher import Publisher
from stores import Stores
from stores.mongo import movies, people
from stores.mongo.movies import MovieFilter
from tests.actors.test_catalogue_freshness import index_answers


@pytest.fixture
async def dispatcher(settings: Settings, redis: Any, http: httpx.Client, seeded: str) -> AsyncIterator[Dispatcher]:
    """A front door's dispatcher on the session's Redis and RabbitMQ, once the session worker's index answers."""
    deadline = time.monotonic() + 120
    while not index_answers(http, settings.redis_url.reveal()):
        assert time.monotonic() < deadline, "the catalogue index never answered"
        await asyncio.sleep(0.5)
    notifier = Notifier(redis)
    await notifier.start()
    found = Dispatcher(settings, redis, notifier, Publisher(broker, amqp_urls(settings)))
    yield found
    await found.close()
    await notifier.stop()


def observed() -> tuple[float, float]:
    """(batches sent, jobs in them) as this process's histogram counts them."""
    samples = {s.name: s.value for metric in BATCHED_JOBS.collect() for s in metric.samples}
    return samples["movieverse_batched_jobs_count"], samples["movieverse_batched_jobs_sum"]


async def test_lists_started_together_go_in_one_message_and_each_gets_its_own_page(
    dispatcher: Dispatcher, stores: Stores, redis: Any
) -> None:
    version = int(await redis.get(keys.CATALOGUE_VERSION) or 0)
    size = 40 + uuid.uuid4().int % 50  # a page size no other test asks for: nothing is cached
    wanted = [(discover_movies, "movies", {"f": MovieFilter(year=(1900 + 5 * i, 2100)).params(), "sort": "-votes",
                                           "skip": i, "limit": size, "ttl": 30, "v": version}) for i in range(7)]
    wanted.append((discover_people, "people", {"q": [], "skip": 3, "limit": size, "ttl": 30, "v": version}))
    claimed = [await jobs.claim(redis, keys.work_key(kind, params), kind, 30) for _, kind, params in wanted]
    assert all(created for _, created in claimed)
    before = observed()
    # Claimed jobs reaching the send in the same turn of the event loop, as concurrent requests' do.
    await asyncio.gather(*(dispatcher._send_claimed(actor, job_id, keys.work_key(kind, params), params, batch=True)
                           for (actor, kind, params), (job_id, _) in zip(wanted, claimed, strict=True)))
    assert tuple(now - then for now, then in zip(observed(), before, strict=True)) == (1, len(wanted))
    db = await stores.mongo()
    for _, kind, params in wanted:
        result = await _result(redis, keys.work_key(kind, params))
        if kind == "movies":
            expected = await movies.list_movies(db, MovieFilter.of(params["f"]), "-votes", params["skip"], size)
        else:
            expected = await people.list_people(db, (), params["skip"], size)
        assert result["count"] == expected[0]
        assert [item["id"] for item in result["results"]] == [item["id"] for item in expected[1]]
    # The whole path, requests started together: each its own page.
    outcomes = await asyncio.gather(*(dispatcher.run(actor, kind, {**params, "skip": params["skip"] + 1},
                                                     wait=5.0, batch=True) for actor, kind, params in wanted))
    for (_, kind, params), outcome in zip(wanted, outcomes, strict=True):
        assert outcome.done, outcome
        assert outcome.result["count"] == (await _result(redis, keys.work_key(kind, params)))["count"]


async def _result(redis: Any, key: str) -> Any:
    deadline = time.monotonic() + 10
    while (found := await jobs.get_result(redis, key)) is None:
        assert time.monotonic() < deadline, f"no result for {key}"
        await asyncio.sleep(0.05)
    return found


async def test_a_batch_that_cannot_be_sent_fails_every_job_and_releases_their_claims(
    settings: Settings, redis: Any
) -> None:
    notifier = Notifier(redis)
    unreachable = Dispatcher(settings, redis, notifier, Publisher(broker, "amqp://guest:guest@127.0.0.1:1/", 1.0))
    params = [{"q": [uuid.uuid4().hex], "skip": 0, "limit": 5, "ttl": 30, "v": 0} for _ in range(3)]
    outcomes = await asyncio.gather(*(unreachable.run(discover_people, "people", p, wait=1.0, batch=True)
                                      for p in params), return_exceptions=True)
    assert all(isinstance(outcome, Unavailable) for outcome in outcomes), outcomes
    for p in params:
        assert not await redis.exists(keys.inflight(keys.work_key("people", p)))


async def test_a_batch_naming_unknown_work_fails_that_job_and_does_the_others(
    dispatcher: Dispatcher, redis: Any
) -> None:
    version = int(await redis.get(keys.CATALOGUE_VERSION) or 0)
    entries = []
    for name in ("discover_people", "no_such_work"):
        params = {"q": [], "skip": 1, "limit": 3 + uuid.uuid4().int % 90, "ttl": 30, "v": version}
        key = keys.work_key(name, params)
        job_id, _ = await jobs.claim(redis, key, name, 30)
        entries.append([name, job_id, key, params])
    await dispatcher.send(work_batch, entries)
    deadline = time.monotonic() + 10
    records: list[dict[str, Any] | None] = [None, None]
    while time.monotonic() < deadline:
        records = [await jobs.get_job(redis, entry[1]) for entry in entries]
        if all(r and r["status"] in (jobs.DONE, jobs.FAILED) for r in records):
            break
        await asyncio.sleep(0.05)
    assert records[0] and records[0]["status"] == jobs.DONE, records
    assert records[1] and records[1]["status"] == jobs.FAILED and "no_such_work" in records[1]["error"], records
