"""Broker inspection and upkeep: is RabbitMQ up, how deep is each queue, and moving queues to another type.

    python -m actors.queues depths    # messages waiting per queue, dead letters included
    python -m actors.queues migrate   # move every queue, with its messages, to RABBITMQ_QUEUE_TYPE

A queue's type is fixed when it is made, so `migrate` moves a queue's messages to a holding queue
(`NAME.migrating`), deletes the queue, declares it again with the configured type and moves the
messages back, each message published with a confirm before it is acknowledged where it was.
A message is never lost; one that was moved when the command was interrupted may be delivered
twice (the actors are idempotent). Run it with the workers stopped: it refuses a queue that has
consumers. A front door that publishes meanwhile is told so (the message is unroutable) and
answers 503, or it declares the queue again itself, with the new type. Run again, it finishes
what an interrupted run left.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable
from typing import Any

import orjson
import pika
from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection
from pika.exceptions import AMQPError, ChannelClosedByBroker

from actors.broker import QUEUES, amqp_urls, broker, other_type, typed
from config import Settings, get_settings

HOLDING = ".migrating"


class MigrationError(Exception):
    """A queue could not be moved now (the reason is the message)."""


def _parameters(settings: Settings) -> list[pika.URLParameters]:
    """Every node's connection parameters, with short timeouts: these calls answer a health check or an operator."""
    nodes = []
    for url in amqp_urls(settings):
        params = pika.URLParameters(url)
        params.socket_timeout = 2
        params.blocked_connection_timeout = 2
        params.connection_attempts = 1
        params.stack_timeout = 3
        nodes.append(params)
    return nodes


def depths(settings: Settings) -> dict[str, int]:
    """Messages waiting per queue, dead-letter queues (`.XQ`) included; blocking."""
    found: dict[str, int] = {}
    connection = BlockingConnection(_parameters(settings))
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
    BlockingConnection(_parameters(settings)).close()


def migrate(settings: Settings, say: Callable[[str], None] = print) -> dict[str, str]:
    """Move every queue (and its delay and dead-letter queues) to the configured type, with its messages;
    what was found or done, per queue. Raises MigrationError for a queue that has consumers."""
    want = settings.rabbitmq_queue_type
    done: dict[str, str] = {}
    connection = BlockingConnection(_parameters(settings))
    try:
        for queue in QUEUES:
            for name, arguments in broker.declarations(queue).items():
                done[name] = _migrate_one(connection, name, arguments, want)
                say(f"{name}: {done[name]}")
    finally:
        with contextlib.suppress(AMQPError):
            connection.close()
    return done


def _migrate_one(connection: BlockingConnection, name: str, arguments: dict[str, Any], want: str) -> str:
    channel = connection.channel()
    try:
        channel.queue_declare(name, durable=True, arguments=typed(arguments, want))
    except ChannelClosedByBroker as exc:
        found = other_type(exc, want)
        if found is None:
            raise
    else:  # of the wanted type already (or new): bring back what an interrupted run left in the holding queue
        back = _drain_holding(connection, name)
        return f"{want} (messages brought back from {name}{HOLDING}: {back})" if back is not None else want
    channel = connection.channel()
    consumers = channel.queue_declare(name, passive=True).method.consumer_count
    if consumers:
        raise MigrationError(f"{name} has {consumers} consumer(s): stop the workers first, then run this again")
    channel.queue_declare(name + HOLDING, durable=True, arguments=typed({}, want))
    moved = 0
    while True:  # until the queue is deleted empty: a publisher may add messages while it is drained
        moved += _move(connection, name, name + HOLDING)
        if _delete_empty(connection, name, found):
            break
    connection.channel().queue_declare(name, durable=True, arguments=typed(arguments, want))
    _drain_holding(connection, name)
    return f"{found} -> {want}, {moved} message(s) moved"


def _drain_holding(connection: BlockingConnection, name: str) -> int | None:
    """Move the holding queue's messages to the queue and delete it; how many, or None if there was none."""
    try:
        connection.channel().queue_declare(name + HOLDING, passive=True)
    except ChannelClosedByBroker as exc:
        if exc.reply_code == 404:
            return None
        raise
    moved = _move(connection, name + HOLDING, name)
    connection.channel().queue_delete(name + HOLDING)  # only this command writes to it
    return moved


def _delete_empty(connection: BlockingConnection, name: str, kind: str) -> bool:
    """Delete a queue if it holds no message; whether it did.

    RabbitMQ checks a classic queue's emptiness as it deletes it; a quorum queue cannot be deleted
    on that condition, so it is checked just before: moving a quorum queue back to classic wants
    the front doors stopped too.
    """
    channel = connection.channel()
    if kind != "classic":
        if channel.queue_declare(name, passive=True).method.message_count:
            return False
        channel.queue_delete(name)
        return True
    try:
        channel.queue_delete(name, if_empty=True)
    except ChannelClosedByBroker as exc:
        if exc.reply_code != 406:  # 406: not empty
            raise
        return False
    return True


def _move(connection: BlockingConnection, source: str, target: str) -> int:
    """Move every message from one queue to another: each is confirmed where it goes before it is acked where it was."""
    channel: BlockingChannel = connection.channel()
    channel.confirm_delivery()
    moved = 0
    while True:
        method, properties, body = channel.basic_get(source, auto_ack=False)
        if method is None:
            return moved
        channel.basic_publish("", target, body, properties, mandatory=True)  # raises unless confirmed
        channel.basic_ack(method.delivery_tag)
        moved += 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m actors.queues", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("depths", help="print the messages waiting per queue, as JSON")
    commands.add_parser("migrate", help="move every queue, with its messages, to RABBITMQ_QUEUE_TYPE "
                                        "(stop the workers first)")
    args = parser.parse_args(argv)
    settings = get_settings()
    if args.command == "depths":
        print(orjson.dumps(depths(settings), option=orjson.OPT_INDENT_2).decode())
        return 0
    try:
        migrate(settings)
    except MigrationError as exc:
        print(f"migrate: {exc}", file=sys.stderr)
        return 1
    except AMQPError as exc:
        print(f"migrate: RabbitMQ at {settings.rabbitmq_url} did not serve it: {exc!r}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
