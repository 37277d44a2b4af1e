"""Sending Dramatiq messages from Sanic's event loop: one pika asyncio connection, publisher-confirmed.

Dramatiq's own `send` is synchronous (a blocking pika connection per thread), so the front door
would need a thread per message in flight and pay for thread hand-offs on every request. This
publisher writes the same message Dramatiq would (the same body, properties and queue) on a
connection that lives on the event loop, and a send completes when RabbitMQ confirms it. A
message RabbitMQ could not route (its queue is gone), refuses, or does not confirm in time is an
error for the caller; a lost connection fails what was in flight and is opened again on the next
send, to the next node of the cluster that answers (the nodes are tried in turn, starting from
the one that served last). Queues are declared through Dramatiq's broker, once per process,
exactly as its `send` does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any, TypeVar

import dramatiq
import pika
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.common import current_millis, dq_name
from pika.adapters.asyncio_connection import AsyncioConnection
from pika.channel import Channel
from pika.exceptions import AMQPError
from pika.spec import Basic

log = logging.getLogger(__name__)
T = TypeVar("T")


class PublishError(Exception):
    """A message was not accepted by RabbitMQ."""


class _Connection(AsyncioConnection):
    """pika's asyncio connection, handing a message's frames (method, header, body) to the socket at once.

    pika gives the transport each frame apart, and the transport sends each buffer with a send() of
    its own: three system calls (and three wake-ups of RabbitMQ) per message where one will do.
    """

    def _output_marshaled_frames(self, marshaled_frames: Sequence[bytes]) -> None:
        joined = b"".join(marshaled_frames)
        self.bytes_sent += len(joined)
        self.frames_sent += len(marshaled_frames)
        self._adapter_emit_data(joined)


class Publisher:
    """Publishes messages for a broker's actors over one confirmed channel on the running loop."""

    def __init__(self, broker: RabbitmqBroker, urls: str | Sequence[str], timeout: float = 5.0) -> None:
        self.broker = broker
        self.nodes = [pika.URLParameters(url) for url in ([urls] if isinstance(urls, str) else urls)]
        self._node = 0  # the node to try first: the one that served last
        self.timeout = timeout
        self._channel: Channel | None = None
        self._connection: AsyncioConnection | None = None
        self._lock = asyncio.Lock()
        self._next_tag = 1
        self._pending: dict[int, tuple[asyncio.Future[None], str]] = {}
        self._returned: set[str] = set()
        self._declared: set[str] = set()

    async def send(self, actor: dramatiq.Actor[..., Any], *args: Any, delay: int | None = None,
                   **kwargs: Any) -> dramatiq.Message[Any]:
        """Send one message to an actor (run no sooner than `delay` ms from now) and wait for RabbitMQ to confirm it."""
        message = actor.message(*args, **kwargs)
        queue = message.queue_name
        if delay is not None:  # as Dramatiq's own enqueue: through the queue's delay queue, with an eta
            message = message.copy(queue_name=dq_name(queue), options={"eta": current_millis() + delay})
        if queue not in self._declared:
            await asyncio.to_thread(self.broker.declare_queue, queue, ensure=True)
            self._declared.add(queue)
        channel = await self._open()
        self.broker.emit_before("enqueue", message, delay)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        tag, self._next_tag = self._next_tag, self._next_tag + 1
        self._pending[tag] = (future, message.message_id)
        try:
            channel.basic_publish(
                exchange="", routing_key=message.queue_name, body=message.encode(),
                properties=pika.BasicProperties(delivery_mode=2, priority=message.options.get("broker_priority")),
                mandatory=True,
            )
            await asyncio.wait_for(asyncio.shield(future), self.timeout)
        except TimeoutError as exc:
            self._pending.pop(tag, None)
            raise PublishError(f"RabbitMQ did not confirm the message in {self.timeout:g} s") from exc
        except PublishError:
            self._declared.discard(queue)  # declared again next time, in case the queue is gone
            self.broker.queues_pending.add(queue)
            raise
        except AMQPError as exc:
            self._pending.pop(tag, None)
            self._drop(exc)
            raise PublishError(str(exc) or type(exc).__name__) from exc
        self.broker.emit_after("enqueue", message, delay)
        return message

    async def close(self) -> None:
        """Close the connection (messages in flight fail)."""
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None and connection.is_open:
            closed = asyncio.get_running_loop().create_future()
            connection.add_on_close_callback(lambda *_: _resolve(closed, None))
            connection.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(closed, 1.0)

    async def _open(self) -> Channel:
        if self._channel is not None and self._channel.is_open:
            return self._channel
        async with self._lock:
            if self._channel is None or not self._channel.is_open:
                await asyncio.wait_for(self._connect(), self.timeout * len(self.nodes))
            assert self._channel is not None
            return self._channel

    async def _connect(self) -> None:
        failures = []
        for turn in range(len(self.nodes)):
            node = (self._node + turn) % len(self.nodes)
            try:
                await self._connect_to(self.nodes[node])
            except PublishError as exc:
                failures.append(str(exc))
                continue
            self._node = node
            return
        raise PublishError("; ".join(failures))

    async def _connect_to(self, parameters: pika.URLParameters) -> None:
        loop = asyncio.get_running_loop()
        opened: asyncio.Future[AsyncioConnection] = loop.create_future()
        where = f"{parameters.host}:{parameters.port}"

        def failed(_: Any, error: BaseException) -> None:
            if not opened.done():
                opened.set_exception(PublishError(f"cannot connect to RabbitMQ at {where}: {error!r}"))

        connection = _Connection(
            parameters, on_open_callback=lambda c: _resolve(opened, c),
            on_open_error_callback=failed, on_close_callback=lambda _, error: self._drop(error), custom_ioloop=loop,
        )
        try:
            await opened
            ready: asyncio.Future[Channel] = loop.create_future()
            connection.channel(on_open_callback=lambda ch: ready.set_result(ch))
            channel = await ready
            confirming: asyncio.Future[None] = loop.create_future()
            channel.confirm_delivery(self._confirmed, callback=lambda _: confirming.set_result(None))
            channel.add_on_return_callback(self._returned_message)
            channel.add_on_close_callback(lambda _, error: self._drop(error))
            await confirming
        except BaseException:
            if connection.is_open:
                connection.close()
            raise
        self._connection, self._channel, self._next_tag = connection, channel, 1

    def _confirmed(self, frame: Any) -> None:
        method = frame.method
        tags = [t for t in self._pending if t <= method.delivery_tag] if method.multiple else [method.delivery_tag]
        for tag in tags:
            future, message_id = self._pending.pop(tag, (None, ""))
            if future is None or future.done():
                continue
            if isinstance(method, Basic.Nack):
                future.set_exception(PublishError("RabbitMQ refused the message"))
            elif message_id in self._returned:
                self._returned.discard(message_id)
                future.set_exception(PublishError("RabbitMQ could not route the message to its queue"))
            else:
                future.set_result(None)
        if isinstance(method, Basic.Nack):
            # A channel that found a quorum queue's leader gone may refuse every message after, even once the
            # cluster has elected another leader (seen with RabbitMQ 3.10): the next send opens a new one.
            self._drop(PublishError("RabbitMQ refused a message"))

    def _returned_message(self, _: Channel, method: Any, properties: Any, body: bytes) -> None:
        with contextlib.suppress(Exception):
            self._returned.add(dramatiq.Message.decode(body).message_id)
        log.warning("RabbitMQ returned a message for queue %s (%s)", method.routing_key, method.reply_text)

    def _drop(self, error: BaseException | None) -> None:
        """Forget the connection (closing it if only the channel closed) and fail every message in flight."""
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None and connection.is_open:
            connection.close()
        pending, self._pending = self._pending, {}
        for future, _ in pending.values():
            if not future.done():
                future.set_exception(PublishError(f"the RabbitMQ connection closed: {error!r}"))
        self._returned.clear()


def _resolve(future: asyncio.Future[T], value: T) -> None:
    """Give the future its result, unless it has one already (pika may call back more than once)."""
    if not future.done():
        future.set_result(value)
