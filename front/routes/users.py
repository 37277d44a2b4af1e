"""Users: registration, public profiles of accounts, and the caller's own account."""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from errors import NotFound, Unprocessable
from front import throttle
from front.body import json_object
from front.endpoint import endpoint
from front.identity import current_user, hash_password, verify_password
from front.limits import READ, WRITE
from front.pagination import check_page, paginate
from front.params import Params
from front.responses import json, respond
from front.validate import Body
from front.workers.followup import send_followups
from stores.mysql import reviews
from stores.outbox import PURGE_ACCOUNT, SEND_WELCOME_EMAIL
from stores.postgres import users
from timestamps import iso

bp = Blueprint("users", url_prefix="/api/users")


def _iso(user: dict[str, Any]) -> str:
    return iso(user["date_joined"])


async def _public(request: Request, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    try:
        counts = await reviews.review_counts(await request.app.ctx.stores.mysql(), [r["id"] for r in rows])
    except Exception:
        counts = {}
    return [{"id": r["id"], "username": r["username"], "date_joined": _iso(r),
             "review_count": counts.get(r["id"], 0)} for r in rows]


@bp.post("/")
@endpoint("Register an account", body="Registration", response="UserCreated", status=201, limit=WRITE)
async def register(request: Request) -> HTTPResponse:
    """Create an account (409 for a taken username or email) and queue a welcome email."""
    body = Body(json_object(request), ("username", "email", "password"))
    username = body.username("username")
    email = body.email("email", required=True)
    password = body.password("password", not_like=username)
    body.done()
    assert username is not None and email is not None and password is not None
    # A taken username or email (409) counts as a failed attempt of the address: registration
    # must not become the way to test, without limit, which accounts exist.
    counters = await throttle.attempt(request, None)
    user, followups = await users.create_user(await request.app.ctx.stores.postgres(), username, email,
                                              await hash_password(password),
                                              [(SEND_WELCOME_EMAIL, {"username": username, "email": email})])
    await throttle.succeeded(request, counters)
    await send_followups(request, followups)
    return json({"id": user["id"], "username": user["username"], "date_joined": _iso(user)}, status=201,
                headers={"Location": f"/api/users/{user['id']}/"})


@bp.get("/")
@endpoint("List accounts (public fields only)", query="paging", response="UserPage", limit=READ)
async def list_users(request: Request) -> HTTPResponse:
    """Accounts by id: id, username, date_joined, review_count."""
    query = Params(request, ("page", "page_size"))
    page, size = query.page()
    query.done()
    total, rows = await users.list_users(await request.app.ctx.stores.postgres(), (page - 1) * size, size)
    check_page(page, size, total)
    return respond(request, paginate(request, await _public(request, rows), total, page, size))


@bp.get("/<user_id:id>")
@endpoint("One account (public fields only)", response="User", limit=READ)
async def user_detail(request: Request, user_id: int) -> HTTPResponse:
    """id, username, date_joined, review_count."""
    user = await users.get_user(await request.app.ctx.stores.postgres(), user_id)
    if user is None:
        raise NotFound(f"No user with id {user_id}.")
    return respond(request, (await _public(request, [user]))[0])


async def _me(request: Request) -> dict[str, Any]:
    caller = await current_user(request)
    user = await users.get_user(await request.app.ctx.stores.postgres(), caller.id)
    if user is None:
        raise NotFound("Your account no longer exists.")
    public = (await _public(request, [user]))[0]
    return {**public, "email": user["email"], "is_admin": user["is_admin"], "library_public": user["library_public"]}


@bp.get("/me")
@endpoint("Your own account, with your email", response="Me", auth=True)
async def me(request: Request) -> HTTPResponse:
    """The caller's account."""
    return respond(request, await _me(request))


@bp.patch("/me")
@endpoint("Change your email or password (the current password is required for those), or whether your library "
          "is public", body="AccountChange", response="Me", auth=True)
async def change_me(request: Request) -> HTTPResponse:
    """Change the caller's email and/or password after checking the current password, and/or `library_public`."""
    caller = await current_user(request)
    body = Body(json_object(request), ("current_password", "email", "password", "library_public"))
    email = body.email("email")
    password = body.password("password", required=False, not_like=caller.username)
    library_public = body.boolean("library_public")
    credentials = email is not None or password is not None or body.has("email") or body.has("password")
    current = body.text("current_password", required=credentials, max_length=256, strip=False)
    if not credentials and library_public is None and not body.errors:
        body.fail("email", "Give a new email, a new password or library_public.")
    body.done()
    pool = await request.app.ctx.stores.postgres()
    if credentials:
        user = await users.get_user(pool, caller.id)
        assert user is not None and current is not None
        counters = await throttle.attempt(request, throttle.account_counter(caller.id, caller.username))
        if not (await verify_password(user["password_hash"], current))[0]:
            raise Unprocessable("The current password is not right.", errors={"current_password": ["Incorrect."]})
        await throttle.succeeded(request, counters)
    await users.update_user(pool, caller.id, email=email,
                            password_hash=await hash_password(password) if password else None,
                            library_public=library_public)
    return respond(request, await _me(request) if password is None else {"detail": "Password changed; "
                   "get a new token.", "id": caller.id})


@bp.delete("/me")
@endpoint("Delete your account; your reviews and profile are removed by a worker", auth=True, status=204)
async def delete_me(request: Request) -> HTTPResponse:
    """Delete the caller's account now and queue the removal of their reviews and profile."""
    caller = await current_user(request)
    followups = await users.delete_user(await request.app.ctx.stores.postgres(), caller.id, [(PURGE_ACCOUNT, {})])
    await send_followups(request, followups)
    return HTTPResponse(status=204)
