"""The application factory: configuration, listeners, middleware and blueprints."""

from __future__ import annotations

import logging
import time
import uuid

from sanic import Request, Sanic
from sanic.response import HTTPResponse

from cache import client as cache_client
from cache.aside import Aside
from cache.jobs import Notifier
from cache.local import LocalCache
from config import Settings, get_settings
from front import genres, health, jobs, metrics, movies, openapi, people, stats
from front.dispatch import Dispatcher
from front.problems import ProblemHandler
from stores import Stores

log = logging.getLogger("movieverse.front")
REQUEST_ID = "X-Request-ID"


def create_app(settings: Settings | None = None, name: str = "movieverse") -> Sanic:
    """Build the Sanic app; pools are opened per worker process in `before_server_start`."""
    settings = settings or get_settings()
    app = Sanic(name, strict_slashes=False, error_handler=ProblemHandler())
    app.config.AUTO_EXTEND = False
    app.config.REQUEST_MAX_SIZE = settings.request_max_size
    app.config.FALLBACK_ERROR_FORMAT = "json"
    app.config.KEEP_ALIVE_TIMEOUT = 15
    app.config.ACCESS_LOG = False
    app.ctx.settings = settings
    for blueprint in (health.bp, openapi.bp, jobs.bp, stats.bp, movies.bp, genres.bp, people.bp):
        app.blueprint(blueprint)
    app.register_listener(_open, "before_server_start")
    app.register_listener(_close, "after_server_stop")
    app.register_middleware(_start_request, "request")
    app.register_middleware(_finish_request, "response")
    return app


async def _open(app: Sanic) -> None:
    settings: Settings = app.ctx.settings
    app.ctx.stores = Stores(settings)
    app.ctx.redis = cache_client.connect(settings)
    app.ctx.notifier = Notifier(app.ctx.redis)
    await app.ctx.notifier.start()
    app.ctx.dispatcher = Dispatcher(settings, app.ctx.redis, app.ctx.notifier)
    app.ctx.local = LocalCache(size=settings.local_cache_size)
    await app.ctx.local.listen(app.ctx.redis)
    app.ctx.aside = Aside(app.ctx.redis, app.ctx.local, settings.cache_ttl_seconds)
    await app.ctx.stores.open()


async def _close(app: Sanic) -> None:
    await app.ctx.notifier.stop()
    await app.ctx.local.stop()
    app.ctx.dispatcher.close()
    await app.ctx.stores.close()
    await cache_client.close(app.ctx.redis)


async def _start_request(request: Request) -> None:
    incoming = request.headers.get(REQUEST_ID, "")
    valid = 0 < len(incoming) <= 64 and incoming.isprintable()
    request.ctx.request_id = incoming if valid else uuid.uuid4().hex
    request.ctx.started = time.perf_counter()


async def _finish_request(request: Request, response: HTTPResponse) -> None:
    response.headers[REQUEST_ID] = getattr(request.ctx, "request_id", "")
    started = getattr(request.ctx, "started", None)
    route = request.route.path if request.route is not None else "unmatched"
    metrics.REQUESTS.labels(request.method, route, str(response.status)).inc()
    if started is not None:
        metrics.LATENCY.labels(route).observe(time.perf_counter() - started)
