"""After a write commits: send its outbox messages now, and forget the ones that went.

If the broker is down the rows stay in the outbox and the relay (actors/outbox.py) sends them
later, so a write the client was told succeeded never loses its follow-up work.
"""

from __future__ import annotations

import logging
from typing import Any

from sanic import Request

from actors.broker import broker
from stores.mysql import outbox as mysql_outbox
from stores.postgres import outbox as postgres_outbox

log = logging.getLogger(__name__)


async def send_followups(request: Request, store: str, messages: list[tuple[int, str, dict[str, Any]]],
                         delay: int | None = None) -> None:
    """Send (outbox id, actor, args) messages (run no sooner than `delay` ms); rows of those sent are deleted,
    the rest wait for the relay."""
    dispatcher = request.app.ctx.dispatcher
    sent = []
    for outbox_id, actor, args in messages:
        try:
            await dispatcher.send(broker.get_actor(actor), delay=delay, **args)
        except Exception as exc:
            log.warning("follow-up %s left in the %s outbox: %s", actor, store, exc)
            break
        sent.append(outbox_id)
    if sent:
        stores = request.app.ctx.stores
        try:
            if store == "postgres":
                await postgres_outbox.remove(await stores.postgres(), sent)
            else:
                await mysql_outbox.remove(await stores.mysql(), sent)
        except Exception as exc:
            log.warning("outbox rows %s not removed: %s", sent, exc)
