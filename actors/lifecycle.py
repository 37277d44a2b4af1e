"""Per-process resources of a worker: store pools and Redis, opened on the worker's event loop."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from dramatiq.asyncio import get_event_loop_thread
from dramatiq.middleware import Middleware
from redis.asyncio import Redis

from cache import client as cache_client
from config import Settings, get_settings
from stores import Stores

log = logging.getLogger(__name__)


@dataclass
class Resources:
    """What every actor needs: settings, the stores and Redis."""

    settings: Settings
    stores: Stores
    redis: Redis

    async def close(self) -> None:
        """Close every connection."""
        await self.stores.close()
        await cache_client.close(self.redis)


_resources: Resources | None = None
_lock: asyncio.Lock | None = None


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


async def _close() -> None:
    global _resources, _lock
    if _resources is not None:
        await _resources.close()
    _resources, _lock = None, None


class WorkerResources(Middleware):
    """Closes the worker's connections once its threads have stopped, within a bounded time.

    Closing runs after the worker threads were joined (``after_worker_shutdown``; this
    middleware sits after ``AsyncIO`` so the loop still runs), never under a job that is
    still going. A job that outlived ``--worker-shutdown-timeout`` is not waited for: its
    message was never acknowledged, so RabbitMQ hands it to another worker, and the
    connections it holds are dropped rather than drained.
    """

    CLOSE_TIMEOUT = 0.5

    def after_worker_shutdown(self, broker: Any, worker: Any) -> None:
        try:
            get_event_loop_thread().run_coroutine(  # type: ignore[union-attr]
                asyncio.wait_for(_close(), self.CLOSE_TIMEOUT)
            )
        except Exception as exc:
            log.warning("closing worker resources did not finish: %r", exc)
