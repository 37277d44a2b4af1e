"""Emails over real SMTP: the welcome mail and the password-reset mail (bulk queue)."""

from __future__ import annotations

import asyncio
import secrets
import smtplib
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

import dramatiq

from actors.broker import BULK
from actors.lifecycle import resources
from config import Settings
from stores.outbox import REQUEST_PASSWORD_RESET, SEND_PASSWORD_RESET_EMAIL, SEND_WELCOME_EMAIL
from stores.postgres import resets, users


def deliver(settings: Settings, to: str, subject: str, text: str) -> None:
    """Send one plain-text mail through the configured SMTP server (blocking)."""
    parts = urlsplit(settings.smtp_url.reveal())
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = settings.mail_from, to, subject
    message.set_content(text)
    secure = parts.scheme == "smtps"
    client_type = smtplib.SMTP_SSL if secure else smtplib.SMTP
    with client_type(parts.hostname or "127.0.0.1", parts.port or (465 if secure else 25), timeout=10) as client:
        if not secure and parse_qs(parts.query).get("starttls") == ["1"]:
            client.starttls()
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(message)


@dramatiq.actor(actor_name=SEND_WELCOME_EMAIL, queue_name=BULK, max_retries=10, time_limit=60_000)
async def send_welcome_email(user_id: int, username: str, email: str) -> None:
    """Welcome a new member."""
    settings = (await resources()).settings
    text = (f"Hello {username},\n\nwelcome to MovieVerse! Your account (id {user_id}) is ready.\n"
            f"Start here: {settings.public_url}/api/movies/popular/\n")
    await asyncio.to_thread(deliver, settings, email, "Welcome to MovieVerse", text)


RESET_DELAY_MS = 1000  # the front door sends a reset's lookup this late: its timing cannot show in the answer


@dramatiq.actor(actor_name=REQUEST_PASSWORD_RESET, queue_name=BULK, max_retries=10, time_limit=60_000)
async def request_password_reset(email: str) -> None:
    """Look the email up and, if it names an account, store a reset token and mail it (the route never knows)."""
    res = await resources()
    pool = await res.stores.postgres()
    user = await users.find_email(pool, email)
    if user is None:
        return
    token = secrets.token_urlsafe(32)
    args = {"user_id": user["id"], "email": user["email"], "token": token}
    followup = await resets.create_reset(pool, user["id"], token, res.settings.reset_token_ttl_seconds, args)
    await asyncio.to_thread(send_password_reset_email.send, **followup.kwargs)
    await res.stores.forget_sent([followup])


@dramatiq.actor(actor_name=SEND_PASSWORD_RESET_EMAIL, queue_name=BULK, max_retries=10, time_limit=60_000)
async def send_password_reset_email(user_id: int, email: str, token: str) -> None:
    """Mail a single-use password-reset token and the link to use it."""
    settings = (await resources()).settings
    minutes = settings.reset_token_ttl_seconds // 60
    text = (f"Someone asked to reset the password of your MovieVerse account.\n\n"
            f"Reset link: {settings.public_url}/api/auth/password-reset/confirm?token={token}\n"
            f"Token: {token}\n\nPOST {{\"token\": ..., \"password\": ...}} to /api/auth/password-reset/confirm.\n"
            f"It works once and expires in {minutes} minutes. If it was not you, ignore this mail.\n")
    await asyncio.to_thread(deliver, settings, email, "Reset your MovieVerse password", text)
