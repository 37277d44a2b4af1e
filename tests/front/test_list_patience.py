"""When lists turn to MongoDB: an index that cannot answer is left for FALLBACK_SECONDS, a busy one is waited for.

The dispatcher here is a scripted stand-in for the read-back protocol (its own tests cover it
against Redis and RabbitMQ); what is checked is the front door's decision on each outcome.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from cache import jobs
from config import load
from front.workers import discover as discover_module
from front.workers.discover import BUSY_SECONDS, PATIENCE_SECONDS, Discover
from front.workers.dispatch import Outcome

ANSWER = Outcome(jobs.DONE, {}, {"count": 1, "results": [{"id": 7}]})


class Scripted:
    """Answers each `run` with the next outcome of a script, and records the waits it was given."""

    def __init__(self, *outcomes: Outcome) -> None:
        self.outcomes, self.waits = list(outcomes), list[float | None]()

    async def run(self, actor: Any, kind: str, params: dict[str, Any], wait: float | None = None,
                  charge: Any = None, batch: bool = False) -> Outcome:
        self.waits.append(wait)
        return self.outcomes.pop(0)


def request() -> Any:
    return SimpleNamespace(app=SimpleNamespace(ctx=SimpleNamespace(local=SimpleNamespace(version=3))))


def queued() -> Outcome:
    return Outcome(jobs.QUEUED, {"status": jobs.QUEUED})


async def page(discover: Discover) -> tuple[int, list[Any]] | None:
    return await discover.movies(request(), {}, "-popularity", 0, 20, 60)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [1000.0]
    monkeypatch.setattr(discover_module.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(discover_module, "charger", lambda request: None)  # no work limit on the fake request
    return now


async def test_a_busy_index_is_waited_for(clock: list[float]) -> None:
    dispatcher = Scripted(ANSWER, queued(), ANSWER)
    discover = Discover(load(), dispatcher, None)  # type: ignore[arg-type]
    assert await page(discover) == (1, [{"id": 7}])
    clock[0] += BUSY_SECONDS / 2
    assert await page(discover) == (1, [{"id": 7}]), "an index that answered lately is busy, not gone"
    assert dispatcher.waits[1:] == [load().list_wait_seconds, PATIENCE_SECONDS]


async def test_a_job_a_worker_took_is_waited_for_even_without_a_recent_answer(clock: list[float]) -> None:
    dispatcher = Scripted(Outcome(jobs.RUNNING, {"status": jobs.RUNNING}), ANSWER)
    assert await page(Discover(load(), dispatcher, None)) == (1, [{"id": 7}])  # type: ignore[arg-type]


async def test_an_index_that_cannot_answer_is_left_for_fallback_seconds(clock: list[float]) -> None:
    for outcome in (queued(), Outcome(jobs.FAILED, {"status": jobs.FAILED, "error": "not loaded"})):
        dispatcher = Scripted(ANSWER, outcome, queued(), ANSWER)
        discover = Discover(load(), dispatcher, None)  # type: ignore[arg-type]
        assert await page(discover) is not None
        if outcome.status == jobs.QUEUED:
            clock[0] += BUSY_SECONDS + 1  # no answer lately: a queued job means nobody is there
        assert await page(discover) is None, "MongoDB answers"
        assert len(dispatcher.waits) == 2, "no second wait for an index that cannot answer"
        clock[0] += discover_module.FALLBACK_SECONDS - 1
        assert await page(discover) is None and len(dispatcher.waits) == 2, "the index is left alone meanwhile"
        clock[0] += 2
        dispatcher.outcomes = [ANSWER]
        assert await page(discover) == (1, [{"id": 7}])
