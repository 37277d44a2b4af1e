"""After a write commits: send its outbox messages now, and forget the ones that went.

If the broker is down the rows stay in the outbox and the relay (actors/outbox.py) sends them
later, so a write the client was told succeeded never loses its follow-up work.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sanic import Request

from actors.broker import broker
from stores.outbox import Message

log = logging.getLogger(__name__)


async def send_followups(request: Request, messages: Sequence[Message], delay: int | None = None) -> None:
    """Send committed outbox messages (run no sooner than `delay` ms); rows of those sent are deleted,
    the rest wait for the relay."""
    dispatcher = request.app.ctx.dispatcher
    sent = []
    for message in messages:
        try:
            await dispatcher.send(broker.get_actor(message.actor), delay=delay, **message.kwargs)
        except Exception as exc:
            log.warning("follow-up %s left in the %s outbox: %s", message.actor, message.store, exc)
            break
        sent.append(message)
    if sent:
        try:
            await request.app.ctx.stores.forget_sent(sent)
        except Exception as exc:
            log.warning("outbox rows %s not removed: %s", [message.id for message in sent], exc)
