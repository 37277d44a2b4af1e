"""Authentication: access tokens, login throttling, and password reset."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from actors.email import RESET_DELAY_MS
from cache import ratelimit
from errors import TooManyRequests, Unauthorized, Unprocessable
from front import throttle
from front.body import json_object
from front.endpoint import endpoint
from front.identity import client_address, hash_password, issue_token, verify_password
from front.limits import WRITE
from front.responses import json
from front.validate import Body
from front.workers.followup import send_followups
from stores.outbox import REQUEST_PASSWORD_RESET
from stores.postgres import outbox, resets, users

bp = Blueprint("auth", url_prefix="/api/auth")
WRONG = "Those credentials are not right."


@bp.post("/token")
@endpoint("Get an access token with a username or email and a password", body="Login", response="Token", limit=WRITE)
async def token(request: Request) -> HTTPResponse:
    """Exchange credentials for a bearer token; failures are throttled per account and per address."""
    data = json_object(request)
    body = Body(data, ("username", "email", "password"))
    login = body.text("username", max_length=254) or body.text("email", max_length=254)
    password = body.text("password", required=True, max_length=256, strip=False)
    if login is None and "username" not in body.errors and "email" not in body.errors:
        body.fail("username", "Give a username or an email.")
    body.done()
    assert login is not None and password is not None
    ctx = request.app.ctx
    pool = await ctx.stores.postgres()
    user = await users.find_login(pool, login)
    counters = await throttle.attempt(request, throttle.account_counter(user["id"] if user else None, login))
    ok, rehash = await verify_password(user["password_hash"] if user else None, password)
    if not ok or user is None:
        raise Unauthorized(WRONG)
    await throttle.succeeded(request, counters)
    if rehash:
        user = await users.update_user(pool, user["id"], password_hash=await hash_password(password),
                                       rehash_only=True)
    return json(issue_token(ctx.settings, user), headers={"Cache-Control": "no-store"})


@bp.post("/password-reset")
@endpoint("Ask for a password-reset email (always 202)", body="PasswordReset", status=202, limit=WRITE)
async def password_reset(request: Request) -> HTTPResponse:
    """Record the request for a worker, which looks the account up and mails it: the answer never tells."""
    body = Body(json_object(request), ("email",))
    email = body.email("email", required=True)
    body.done()
    assert email is not None
    ctx = request.app.ctx
    settings = ctx.settings
    limits = {f"reset:address:{client_address(request)}": settings.reset_attempts_per_address,
              f"reset:email:{email.strip().casefold()}": settings.reset_attempts_per_email}
    wait = await ratelimit.reserve(ctx.redis, limits, settings.reset_window_seconds)
    if wait:
        raise TooManyRequests(f"Too many reset requests; try again in {wait} seconds.", retry_after=wait)
    followup = await outbox.add(await ctx.stores.postgres(), REQUEST_PASSWORD_RESET, {"email": email})
    # The worker's lookup and mail start a moment later, so they never share the machine with this answer.
    await send_followups(request, [followup], delay=RESET_DELAY_MS)
    return json({"detail": "If that email belongs to an account, a reset link is on its way."}, status=202)


@bp.post("/password-reset/confirm")
@endpoint("Set a new password with a reset token", body="PasswordResetConfirm", limit=WRITE)
async def password_reset_confirm(request: Request) -> HTTPResponse:
    """Burn a valid reset token and set the new password (earlier access tokens stop working)."""
    body = Body(json_object(request), ("token", "password"))
    secret = body.text("token", required=True, min_length=10, max_length=200)
    password = body.password("password")
    body.done()
    assert secret is not None and password is not None
    user_id = await resets.consume(await request.app.ctx.stores.postgres(), secret, await hash_password(password))
    if user_id is None:
        raise Unprocessable("That reset token is unknown, used or expired.", errors={"token": ["Invalid."]})
    return json({"detail": "Your password was changed; get a new token."})

