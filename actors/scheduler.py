"""The scheduler process: sends periodic work (trending, popularity, TMDB refresh) on time.

Run it with `python -m actors.scheduler`. Several schedulers may run: a Redis lock per
task and period makes sure each period's message is sent once.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time

import redis

from actors import periodic
from actors.periodic import Periodic
from cache import client as cache_client
from cache import keys
from cache.client import REDIS_DOWN
from config import get_settings

log = logging.getLogger("movieverse.scheduler")


def schedule() -> list[Periodic]:
    """The periodic tasks, from the actor modules that define them."""
    return periodic.TASKS


def run_due(client: redis.Redis, tasks: list[Periodic], now: float) -> list[str]:
    """Send every task whose period has come and that no other scheduler sent yet."""
    sent = []
    for task in tasks:
        period = int(now // task.every)
        if client.set(keys.schedule(task.name, period), "1", nx=True, ex=task.every * 2):
            try:
                task.send()
            except Exception:
                log.exception("sending %s failed; it will be tried next period", task.name)
                client.delete(keys.schedule(task.name, period))
                continue
            sent.append(task.name)
    return sent


def main() -> int:
    """Loop until SIGTERM or SIGINT, checking the schedule every second."""
    settings = get_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    client = cache_client.connect_sync(settings, socket_timeout=2)
    tasks = schedule()
    log.info("scheduler started with %d periodic tasks: %s", len(tasks), ", ".join(t.name for t in tasks))
    while not stop.is_set():
        try:
            for name in run_due(client, tasks, time.time()):
                log.info("sent %s", name)
        except REDIS_DOWN as exc:
            log.warning("schedule check skipped: %s", exc)
        stop.wait(1.0)
    log.info("scheduler stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
