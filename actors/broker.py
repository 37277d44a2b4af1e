"""The Dramatiq broker and its middleware; imported before any actor is defined.

Queues are RabbitMQ quorum queues (replicated, confirmed by a majority of the cluster's nodes)
unless RABBITMQ_QUEUE_TYPE says classic. A queue that already exists with the other type keeps
working as it is (declaring it with another type would fail with PRECONDITION_FAILED), and the
process logs how to move it: `python -m actors.queues migrate`.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import dramatiq
import orjson
import pika
from dramatiq.brokers.rabbitmq import DEAD_MESSAGE_TTL, RabbitmqBroker
from dramatiq.common import dq_name, xq_name
from dramatiq.encoder import DecodeError, Encoder, MessageData
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
from config import QUEUE_TYPES, Settings, get_settings, node_urls

INTERACTIVE = "interactive"
DEFAULT = "default"
BULK = "bulk"
QUEUES = (INTERACTIVE, DEFAULT, BULK)
TUNING = {"heartbeat": "60", "connection_attempts": "1", "socket_timeout": "2", "blocked_connection_timeout": "10"}


class OrjsonEncoder(Encoder):
    """Dramatiq's JSON messages, written and read by orjson: the same JSON, in a fraction of the time
    (the front door encodes a message per uncached read, and a worker decodes it)."""

    def encode(self, data: MessageData) -> bytes:
        return orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS)

    def decode(self, data: bytes) -> MessageData:
        try:
            decoded: MessageData = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise DecodeError(f"failed to decode message {data!r}", data, exc) from None
        return decoded


log = logging.getLogger(__name__)


class TypedQueueBroker(RabbitmqBroker):
    """Dramatiq's RabbitMQ broker, declaring its queues (delay and dead-letter queues too) with a queue type."""

    def __init__(self, *, queue_type: str, **options: Any) -> None:
        super().__init__(**options)
        self.queue_type = queue_type
        self.found_types: dict[str, str] = {}  # queues that exist with another type than queue_type

    def declare_typed(self, name: str, arguments: dict[str, Any]) -> Any:
        """Declare a durable queue with the configured type, or with the type it already has."""
        queue_type = self.found_types.get(name, self.queue_type)
        try:
            return self.channel.queue_declare(queue=name, durable=True,
                                              arguments=typed(arguments, queue_type))
        except pika.exceptions.ChannelClosedByBroker as exc:
            found = other_type(exc, queue_type)
            if found is None:
                raise
            del self.channel  # the broker closed it
            self.found_types[name] = found
            log.warning("queue %s already exists as a %s queue, not a %s one: it keeps working as it is; "
                        "to move it, stop the workers and run `python -m actors.queues migrate`",
                        name, found, queue_type)
            return self.channel.queue_declare(queue=name, durable=True,
                                              arguments=typed(arguments, found))

    def declarations(self, queue_name: str) -> dict[str, dict[str, Any]]:
        """A queue, its delay queue and its dead-letter queue, with the arguments Dramatiq declares them with."""
        arguments = self._build_queue_arguments(queue_name)
        # The dead letters' TTL is static, as Dramatiq's own: RabbitMQ expires messages head first.
        return {queue_name: arguments, dq_name(queue_name): arguments,
                xq_name(queue_name): {"x-message-ttl": DEAD_MESSAGE_TTL}}

    def _declare_queue(self, queue_name: str) -> Any:
        return self.declare_typed(queue_name, self.declarations(queue_name)[queue_name])

    def _declare_dq_queue(self, queue_name: str) -> Any:
        return self.declare_typed(dq_name(queue_name), self.declarations(queue_name)[dq_name(queue_name)])

    def _declare_xq_queue(self, queue_name: str) -> Any:
        return self.declare_typed(xq_name(queue_name), self.declarations(queue_name)[xq_name(queue_name)])


def typed(arguments: dict[str, Any], queue_type: str) -> dict[str, Any]:
    """A queue's declare arguments for a type (classic, RabbitMQ's default, is named by no argument)."""
    return {**arguments, "x-queue-type": queue_type} if queue_type != "classic" else arguments


def other_type(error: pika.exceptions.ChannelClosedByBroker, wanted: str) -> str | None:
    """The queue's type, when the broker refused a declare because the queue exists with another type."""
    if error.reply_code != 406 or "x-queue-type" not in error.reply_text:
        return None
    # "... but current is none" (a classic queue), "... but current is the value 'quorum' of type 'longstr'",
    # "... but current is 'quorum'"
    current = re.search(r"but current is (none|(?:the value )?'(\w+)')", error.reply_text)
    if current is None:
        return next(t for t in QUEUE_TYPES if t != wanted)
    return current[2] or "classic"


def build_broker(settings: Settings) -> TypedQueueBroker:
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
    return TypedQueueBroker(url=amqp_urls(settings), confirm_delivery=True, middleware=middleware,
                            queue_type=settings.rabbitmq_queue_type)


def amqp_urls(settings: Settings) -> list[str]:
    """One AMQP URL per node of RABBITMQ_URL, each with heartbeat and timeouts set unless it sets them itself.

    RABBITMQ_URL names one node, or several: URLs separated by `;` (or spaces), or one URL with
    several `host:port` separated by commas. Connections try the nodes in that order.
    """
    urls = []
    for url in node_urls(settings.rabbitmq_url.reveal()):
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        for name, value in TUNING.items():
            query.setdefault(name, value)
        urls.append(urlunsplit(parts._replace(query=urlencode(query))))
    return urls


broker = build_broker(get_settings())
dramatiq.set_broker(broker)
dramatiq.set_encoder(OrjsonEncoder())
