"""The one throttle of password guesses: login, `current_password` checks and registration.

An attempt reserves a failure on the account's counter and the client address's counter
before any password is verified (one Redis script decides and counts), and a success gives it
back. The account counter is keyed on the account a login resolves to, so its username, its
email and any spelling of either that the lookup accepts share one counter.
"""

from __future__ import annotations

from sanic import Request

from cache import ratelimit
from errors import TooManyRequests
from front.identity import client_address


def account_counter(user_id: int | None, login: str) -> str:
    """The counter of an account, or of a login that names no account (by its case-folded text)."""
    return f"login:account:{user_id}" if user_id is not None else f"login:unknown:{login.strip().casefold()}"


async def attempt(request: Request, account: str | None) -> list[str]:
    """Reserve one failed attempt for the account (if any) and the caller's address, or raise 429."""
    settings = request.app.ctx.settings
    limits = {f"login:address:{client_address(request)}": settings.login_attempts_per_address}
    if account is not None:
        limits[account] = settings.login_attempts
    wait = await ratelimit.reserve(request.app.ctx.redis, limits, settings.login_window_seconds)
    if wait:
        raise TooManyRequests(f"Too many failed attempts; try again in {wait} seconds.", retry_after=wait)
    return list(limits)


async def succeeded(request: Request, counters: list[str]) -> None:
    """Give back the reservation of an attempt that succeeded."""
    await ratelimit.release(request.app.ctx.redis, counters)
