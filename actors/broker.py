"""The Dramatiq broker and its middleware; imported before any actor is defined."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import dramatiq
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.middleware import (
    AgeLimit,
    AsyncIO,
    Callbacks,
    CurrentMessage,
    Pipelines,
    Retries,
    ShutdownNotifications,
    TimeLimit,
)

from actors.lifecycle import WorkerResources
from config import Settings, get_settings

INTERACTIVE = "interactive"
DEFAULT = "default"
BULK = "bulk"
QUEUES = (INTERACTIVE, DEFAULT, BULK)
TUNING = {"heartbeat": "60", "connection_attempts": "1", "socket_timeout": "2", "blocked_connection_timeout": "10"}


def build_broker(settings: Settings) -> RabbitmqBroker:
    """A RabbitMQ broker with publisher confirms, retries with backoff, time limits and asyncio."""
    middleware = [
        AgeLimit(),
        TimeLimit(time_limit=10 * 60 * 1000),
        ShutdownNotifications(),
        Callbacks(),
        Pipelines(),
        Retries(max_retries=8, min_backoff=500, max_backoff=5 * 60 * 1000),
        CurrentMessage(),
        AsyncIO(),
        WorkerResources(),
    ]
    url = amqp_url(settings)
    return RabbitmqBroker(url=url, confirm_delivery=True, middleware=middleware)


def amqp_url(settings: Settings) -> str:
    """The AMQP URL with heartbeat and timeouts set, unless the URL sets them itself."""
    parts = urlsplit(settings.rabbitmq_url.reveal())
    query = dict(parse_qsl(parts.query))
    for name, value in TUNING.items():
        query.setdefault(name, value)
    return urlunsplit(parts._replace(query=urlencode(query)))


broker = build_broker(get_settings())
dramatiq.set_broker(broker)
