"""Per-process resources of a worker: store pools and Redis, opened on the worker's event loop."""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from dramatiq.asyncio import get_event_loop_thread
from dramatiq.middleware import Middleware
from redis.asyncio import Redis

from cache import client as cache_client
from config import Settings, get_settings
from stores import Stores, firebase, mongo, mysql, postgres

log = logging.getLogger(__name__)


@dataclass
class Resources:
    """What every actor needs: settings, the stores and Redis."""

    settings: Settings
    stores: Stores
    redis: Redis
    background: list[asyncio.Task[None]] = field(default_factory=list)

    async def close(self) -> None:
        """Stop the background tasks and close every connection."""
        for task in self.background:
            task.cancel()
        await asyncio.gather(*self.background, return_exceptions=True)
        await self.stores.close()
        await cache_client.close(self.redis)


_resources: Resources | None = None
_lock: asyncio.Lock | None = None
_boot_hooks: list[tuple[str, Callable[[Resources], None]]] = []


def at_boot(queue: str, hook: Callable[[Resources], None]) -> None:
    """Run `hook(resources)` on the event loop when a worker that consumes `queue` boots."""
    _boot_hooks.append((queue, hook))


async def resources() -> Resources:
    """The resources of this worker process, created on first use on the running loop."""
    global _resources, _lock
    if _resources is not None:
        return _resources
    if _lock is None:
        _lock = asyncio.Lock()
    async with _lock:
        if _resources is None:
            settings = get_settings()
            _resources = Resources(settings, Stores(settings), cache_client.connect(settings))
    return _resources


async def _warm(hooks: list[Callable[[Resources], None]]) -> None:
    res = await resources()
    for hook in hooks:
        hook(res)
    stores = res.stores

    async def redis() -> Redis:
        return res.redis

    checks: dict[str, tuple[Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[Any]]]] = {
        "postgres": (stores.postgres, postgres.check_schema),
        "mysql": (stores.mysql, mysql.ping),
        "mongo": (stores.mongo, mongo.ping),
        "firebase": (stores.firebase, firebase.ping),
        "redis": (redis, lambda client: client.ping()),
    }
    for name, (handle, check) in checks.items():
        try:
            await check(await handle())
        except asyncpg.UndefinedTableError as exc:
            log.error("the PostgreSQL tables are missing (run `python -m stores.migrate`): %s", exc)
        except Exception as exc:
            log.info("%s did not answer at boot (jobs will retry): %r", name, exc)


async def _close() -> None:
    global _resources, _lock
    if _resources is not None:
        await _resources.close()
    _resources, _lock = None, None


class WorkerResources(Middleware):
    """A worker process's stop: one graceful stop per SIGTERM storm, no new job once told to stop,
    then its connections closed.

    Closing runs after the worker threads were joined (``after_worker_shutdown``; this
    middleware sits after ``AsyncIO`` so the loop still runs), never under a job that is
    still going. A job that outlived ``--worker-shutdown-timeout`` is not waited for: its
    message was never acknowledged, so RabbitMQ hands it to another worker, and the
    connections it holds are dropped rather than drained.
    """

    CLOSE_TIMEOUT = 0.5

    def __init__(self) -> None:
        self.worker: Any = None

    def after_process_boot(self, broker: Any) -> None:
        """Make a worker process stop gracefully on its first SIGTERM and ignore the ones after.

        honcho (like most process managers) signals the whole process group, so a Dramatiq
        worker process gets SIGTERM twice: once from honcho and once forwarded by Dramatiq's
        main process. Dramatiq takes a second SIGTERM as "kill now", which would skip the
        graceful stop; only a real kill (SIGKILL) should do that.

        The first SIGTERM also pauses the worker threads at once: Dramatiq's worker process
        looks at its stop flag once a second, and until then its threads would go on taking
        messages (a seed run could move on to its next stage after Ctrl-C). The jobs under
        way finish; the messages not begun are handed back to RabbitMQ by the stop.
        """
        if threading.current_thread() is not threading.main_thread():
            return
        original = signal.getsignal(signal.SIGTERM)
        if not callable(original):
            return
        stopping = False

        def once(signum: int, frame: Any) -> None:
            nonlocal stopping
            if stopping:
                log.info("already stopping; SIGTERM ignored")
                return
            stopping = True
            self.take_no_more()
            original(signum, frame)

        signal.signal(signal.SIGTERM, once)

    def after_worker_boot(self, broker: Any, worker: Any) -> None:
        """Open the store pools and Redis in the background and make one cheap call to each, so the
        first jobs find warm connections. A missing PostgreSQL schema is logged as an error. The
        `at_boot` hooks of the queues this worker consumes run first.

        A store that is down is skipped here and opened by the first job that needs it.
        """
        self.worker = worker
        thread = get_event_loop_thread()
        queues = getattr(worker, "consumer_whitelist", None)
        hooks = [hook for queue, hook in _boot_hooks if queues is None or queue in queues]
        if thread is not None:
            asyncio.run_coroutine_threadsafe(_warm(hooks), thread.loop)

    def take_no_more(self) -> None:
        """Pause the worker threads without waiting: each finishes the job it holds and starts no other."""
        for thread in getattr(self.worker, "workers", ()):
            thread.pause()

    def after_worker_shutdown(self, broker: Any, worker: Any) -> None:
        try:
            get_event_loop_thread().run_coroutine(  # type: ignore[union-attr]
                asyncio.wait_for(_close(), self.CLOSE_TIMEOUT)
            )
        except Exception as exc:
            log.warning("closing worker resources did not finish: %r", exc)
