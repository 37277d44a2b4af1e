"""Outbox messages: follow-up work a store committed with the write that caused it.

A store writes each message as a row of its own outbox table in the write's transaction and
returns it as a `Message`; whoever sends it afterwards deletes the row through the store that
holds it (`Stores.forget_sent`), and the relay (actors/outbox.py) sends any row left behind.
The actor names below are the only spelling of the actors an outbox may name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

REVIEW_CHANGED = "review_changed"
PURGE_ACCOUNT = "purge_account"
SEND_WELCOME_EMAIL = "send_welcome_email"
REQUEST_PASSWORD_RESET = "request_password_reset"
SEND_PASSWORD_RESET_EMAIL = "send_password_reset_email"
LIBRARY_CHANGED = "library_changed"


@dataclass(frozen=True)
class Message:
    """One committed outbox row: the store that holds it, its id, the actor to send and its arguments."""

    store: str
    id: int
    actor: str
    kwargs: dict[str, Any]
