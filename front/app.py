"""The application factory: configuration, listeners, middleware and blueprints."""

from __future__ import annotations

import asyncio
import logging

from sanic import Sanic

from actors.broker import amqp_urls, broker
from cache import client as cache_client
from cache.aside import Aside
from cache.jobs import Notifier
from cache.local import LocalCache
from config import Settings, get_settings
from front.catalogue import GenreTable
from front.cors import Cors
from front.endpoint import RECORDER
from front.identity import decoy_hash
from front.methods import answer_head_and_options
from front.params import PATH_ID_PATTERN, path_id
from front.problems import ProblemHandler
from front.routes import (
    admin,
    auth,
    changes,
    diary,
    docs,
    genres,
    health,
    jobs,
    lists,
    movies,
    people,
    profiles,
    recommendations,
    reviews,
    search,
    shelves,
    state,
    stats,
    transfer,
    users,
)
from front.workers.discover import Discover
from front.workers.dispatch import Dispatcher
from front.workers.publisher import Publisher
from stores import Stores

log = logging.getLogger("movieverse.front")


def create_app(settings: Settings | None = None, name: str = "movieverse") -> Sanic:
    """Build the Sanic app; pools are opened per worker process in `before_server_start`."""
    settings = settings or get_settings()
    app = Sanic(name, strict_slashes=False, error_handler=ProblemHandler())
    # Ids in paths are positive 64-bit integers: anything else matches no route (a 404
    # problem) instead of reaching a driver that cannot hold it.
    app.router.register_pattern("id", path_id, PATH_ID_PATTERN)
    app.config.AUTO_EXTEND = False
    app.config.REQUEST_MAX_SIZE = settings.request_max_size
    app.config.REQUEST_MAX_HEADER_SIZE = 16384  # the request line and headers; Sanic's ceiling
    app.config.FALLBACK_ERROR_FORMAT = "json"
    app.config.KEEP_ALIVE_TIMEOUT = 15
    app.config.ACCESS_LOG = False
    app.ctx.settings = settings
    app.ctx.cors = Cors(settings.cors_origins)
    blueprints = (health.bp, docs.bp, jobs.bp, stats.bp, movies.bp, genres.bp, people.bp, auth.bp, users.bp,
                  profiles.bp, reviews.bp, reviews.movie_reviews_bp, search.bp, recommendations.bp,
                  shelves.bp, diary.bp, lists.bp, lists.user_lists_bp, lists.movie_lists_bp, state.bp,
                  transfer.bp, admin.bp, changes.bp)
    for blueprint in blueprints:
        answer_head_and_options(blueprint)
        app.blueprint(blueprint)
    app.register_listener(_open, "before_server_start")
    app.register_listener(_close, "after_server_stop")
    return app


async def _open(app: Sanic) -> None:
    settings: Settings = app.ctx.settings
    app.ctx.stores = Stores(settings)
    app.ctx.redis = cache_client.connect(settings)
    app.ctx.notifier = Notifier(app.ctx.redis)
    await app.ctx.notifier.start()
    app.ctx.dispatcher = Dispatcher(settings, app.ctx.redis, app.ctx.notifier, Publisher(broker, amqp_urls(settings)))
    app.ctx.local = LocalCache(size=settings.local_cache_size)
    await app.ctx.local.listen(app.ctx.redis)
    app.ctx.aside = Aside(app.ctx.redis, app.ctx.local, settings.cache_ttl_seconds)
    app.ctx.discover = Discover(settings, app.ctx.dispatcher, app.ctx.stores)
    app.ctx.genre_table = GenreTable()
    await app.ctx.stores.open()
    await asyncio.to_thread(decoy_hash)
    await RECORDER.start()


async def _close(app: Sanic) -> None:
    await RECORDER.stop()
    await app.ctx.notifier.stop()
    await app.ctx.local.stop()
    await app.ctx.dispatcher.close()
    await app.ctx.stores.close()
    await cache_client.close(app.ctx.redis)
