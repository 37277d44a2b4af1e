"""Broker inspection: is RabbitMQ up, and how deep is each queue (including dead letters)."""

from __future__ import annotations

import contextlib

import pika
from pika.exceptions import AMQPError, ChannelClosedByBroker

from actors.broker import QUEUES
from config import Settings


def _parameters(settings: Settings) -> pika.URLParameters:
    params = pika.URLParameters(settings.rabbitmq_url.reveal())
    params.socket_timeout = 2
    params.blocked_connection_timeout = 2
    params.connection_attempts = 1
    params.stack_timeout = 3
    return params


def depths(settings: Settings) -> dict[str, int]:
    """Messages waiting per queue, dead-letter queues (`.XQ`) included; blocking."""
    found: dict[str, int] = {}
    connection = pika.BlockingConnection(_parameters(settings))
    try:
        for queue in QUEUES:
            for name in (queue, f"{queue}.XQ"):
                channel = connection.channel()
                try:
                    frame = channel.queue_declare(queue=name, passive=True)
                    found[name] = int(frame.method.message_count)
                except ChannelClosedByBroker:
                    found[name] = 0
                else:
                    channel.close()
    finally:
        with contextlib.suppress(AMQPError):
            connection.close()
    return found


def ping(settings: Settings) -> None:
    """Open and close an AMQP connection; blocking."""
    connection = pika.BlockingConnection(_parameters(settings))
    connection.close()
