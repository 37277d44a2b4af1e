"""The outbox relay: messages committed with a write but not yet sent are sent, then forgotten."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import dramatiq

from actors.broker import DEFAULT, broker
from actors.lifecycle import resources
from stores.mysql import outbox as mysql_outbox
from stores.outbox import Message
from stores.postgres import outbox as postgres_outbox

log = logging.getLogger(__name__)
GRACE_SECONDS = 5.0


def send_named(actor: str, args: dict[str, Any]) -> None:
    """Send a message to an actor by name (blocking)."""
    broker.get_actor(actor).send(**args)


async def _drain(pending: list[Message]) -> list[int]:
    sent = []
    for message in pending:
        await asyncio.to_thread(send_named, message.actor, message.kwargs)
        sent.append(message.id)
    return sent


@dramatiq.actor(queue_name=DEFAULT, max_retries=3, time_limit=120_000)
async def drain_outboxes() -> None:
    """Send every outbox message older than a few seconds (the front door sends fresh ones itself)."""
    res = await resources()
    pg, my = await res.stores.postgres(), await res.stores.mysql()
    sent_pg = await _drain(await postgres_outbox.pending(pg, GRACE_SECONDS))
    await postgres_outbox.remove(pg, sent_pg)
    sent_my = await _drain(await mysql_outbox.pending(my, GRACE_SECONDS))
    await mysql_outbox.remove(my, sent_my)
    if sent_pg or sent_my:
        log.info("outbox relay sent %d postgres and %d mysql messages", len(sent_pg), len(sent_my))
