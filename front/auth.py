"""Authentication: access tokens, login throttling, and password reset."""

from __future__ import annotations

import secrets

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from cache import ratelimit
from errors import TooManyRequests, Unauthorized, Unprocessable
from front.body import json_object
from front.endpoint import endpoint
from front.followup import send_followups
from front.identity import client_address, hash_password, issue_token, verify_password
from front.responses import json
from front.validate import Body
from stores.postgres import resets, users

bp = Blueprint("auth", url_prefix="/api/auth")
WRONG = "Those credentials are not right."


@bp.post("/token")
@endpoint("Get an access token with a username or email and a password", body="Login", response="Token")
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
    settings = ctx.settings
    counters = [f"login:account:{login.casefold()}", f"login:address:{client_address(request)}"]
    limits = dict(zip(counters, (settings.login_attempts, settings.login_attempts_per_address), strict=True))
    wait = await ratelimit.blocked_for(ctx.redis, limits)
    if wait:
        raise TooManyRequests(f"Too many failed attempts; try again in {wait} seconds.", retry_after=wait)
    pool = await ctx.stores.postgres()
    user = await users.find_login(pool, login)
    ok, rehash = await verify_password(user["password_hash"], password) if user else (False, False)
    if not ok or user is None:
        await ratelimit.fail(ctx.redis, counters, settings.login_window_seconds)
        raise Unauthorized(WRONG)
    if rehash:
        user = await users.update_user(pool, user["id"], password_hash=await hash_password(password),
                                       rehash_only=True)
    await ratelimit.reset(ctx.redis, counters[0])
    return json(issue_token(settings, user), headers={"Cache-Control": "no-store"})


@bp.post("/password-reset")
@endpoint("Ask for a password-reset email (always 202)", body="PasswordReset", status=202)
async def password_reset(request: Request) -> HTTPResponse:
    """Queue a reset mail when the email belongs to an account; the answer is the same either way."""
    body = Body(json_object(request), ("email",))
    email = body.email("email", required=True)
    body.done()
    assert email is not None
    ctx = request.app.ctx
    user = await users.find_email(await ctx.stores.postgres(), email)
    if user is not None:
        secret = secrets.token_urlsafe(32)
        args = {"user_id": user["id"], "email": user["email"], "token": secret}
        outbox_id = await resets.create_reset(await ctx.stores.postgres(), user["id"], secret,
                                              ctx.settings.reset_token_ttl_seconds, args)
        await send_followups(request, "postgres", [(outbox_id, "send_password_reset_email", args)])
    return json({"detail": "If that email belongs to an account, a reset link is on its way."}, status=202)


@bp.post("/password-reset/confirm")
@endpoint("Set a new password with a reset token", body="PasswordResetConfirm")
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

