"""A worker process told to stop: the job it holds finishes, and no other begins before the stop."""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import dramatiq
import pytest
from dramatiq import Worker
from dramatiq.brokers.rabbitmq import RabbitmqBroker

from actors.broker import amqp_urls
from actors.lifecycle import WorkerResources
from config import Settings
from tests.faults.conftest import wait_until


@pytest.fixture
def queue(settings: Settings) -> Iterator[tuple[RabbitmqBroker, str]]:
    """A broker with only the worker's stop middleware, and a queue of the test's own (deleted after)."""
    broker = RabbitmqBroker(url=amqp_urls(settings), middleware=[WorkerResources()])
    name = f"stop-{uuid.uuid4().hex}"
    yield broker, name
    for queue_name in (name, f"{name}.DQ", f"{name}.XQ"):
        broker.channel.queue_delete(queue_name)
    broker.close()


def depth(broker: RabbitmqBroker, name: str) -> int:
    return int(broker.channel.queue_declare(name, passive=True).method.message_count)


def test_a_worker_told_to_stop_finishes_its_job_and_begins_no_other(
    queue: tuple[RabbitmqBroker, str],
) -> None:
    broker, name = queue
    release, begun = threading.Event(), list[int]()

    @dramatiq.actor(broker=broker, queue_name=name)
    def hold(number: int) -> None:
        begun.append(number)
        if number == 0:
            release.wait(10)

    told: list[float] = []

    def dramatiqs_own(signum: int, frame: Any) -> None:
        # Where Dramatiq's worker process sets a flag it looks at once a second.
        told.append(time.monotonic())

    previous = signal.signal(signal.SIGTERM, dramatiqs_own)
    worker = Worker(broker, queues={name}, worker_threads=1)
    try:
        broker.emit_after("process_boot")
        worker.start()
        for number in range(3):
            hold.send(number)
        wait_until(lambda: begun == [0], timeout=10, step=0.01)
        os.kill(os.getpid(), signal.SIGTERM)
        wait_until(lambda: told, timeout=5, step=0.01)
        release.set()
        time.sleep(1.0)
        assert begun == [0], "no job began after the worker was told to stop"
    finally:
        release.set()
        signal.signal(signal.SIGTERM, previous)
        worker.stop(timeout=5000)
    assert wait_until(lambda: depth(broker, name) == 2, timeout=10), "the jobs not begun went back to the queue"
