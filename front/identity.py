"""Who is calling: argon2id password hashes, signed expiring bearer tokens, and the current user."""

from __future__ import annotations

import asyncio
import functools
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sanic import Request

from config import Settings
from errors import Forbidden, Unauthorized
from front import numbers
from front.params import MAX_PATH_ID
from stores.postgres import users

HASHER = PasswordHasher()
ALGORITHM = "HS256"


@dataclass(frozen=True)
class AuthUser:
    """The authenticated caller."""

    id: int
    username: str
    email: str
    is_admin: bool


async def hash_password(password: str) -> str:
    """An argon2id hash, computed off the event loop."""
    return await asyncio.to_thread(HASHER.hash, password)


@functools.cache
def decoy_hash() -> str:
    """A hash of a random password, verified for unknown accounts so that they cost what known ones do."""
    return HASHER.hash(secrets.token_urlsafe(16))


async def verify_password(password_hash: str | None, password: str) -> tuple[bool, bool]:
    """(matches, needs a rehash with the current parameters), checked off the event loop.

    With no hash (an unknown account) the decoy is verified instead: the same argon2 work, never a match.
    """
    if password_hash is None:
        await asyncio.to_thread(_matches, decoy_hash(), password)
        return False, False
    known = password_hash

    def check() -> tuple[bool, bool]:
        if not _matches(known, password):
            return False, False
        return True, HASHER.check_needs_rehash(known)

    return await asyncio.to_thread(check)


def _matches(password_hash: str, password: str) -> bool:
    try:
        return bool(HASHER.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def issue_token(settings: Settings, user: dict[str, Any]) -> dict[str, Any]:
    """A signed access token for the user, revoked when the account's random stamp changes or it is deleted."""
    now = int(time.time())
    claims = {"sub": str(user["id"]), "iat": now, "exp": now + settings.token_ttl_seconds,
              "stp": user["token_stamp"], "typ": "access"}
    token = jwt.encode(claims, settings.secret_key.reveal(), algorithm=ALGORITHM)
    return {"access_token": token, "token_type": "Bearer", "expires_in": settings.token_ttl_seconds}


def _claims(settings: Settings, token: str) -> dict[str, Any]:
    try:
        claims = jwt.decode(token, settings.secret_key.reveal(), algorithms=[ALGORITHM],
                            options={"require": ["sub", "exp", "iat", "stp"]})
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("The access token has expired; ask for a new one.") from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized("The access token is not valid.") from exc
    try:
        claims["sub"] = numbers.integer(claims["sub"], 1, MAX_PATH_ID)
    except ValueError:
        claims["sub"] = None
    if claims.get("typ") != "access" or claims["sub"] is None or not isinstance(claims["stp"], str):
        raise Unauthorized("The access token is not valid.")
    return claims


async def current_user(request: Request) -> AuthUser:
    """The caller named by a valid `Authorization: Bearer` token, or 401."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send `Authorization: Bearer <token>`; get a token from /api/auth/token.")
    settings = request.app.ctx.settings
    claims = _claims(settings, token.strip())
    user = await users.get_user(await request.app.ctx.stores.postgres(), claims["sub"])
    if user is None or not hmac.compare_digest(user["token_stamp"].encode(), claims["stp"].encode()):
        raise Unauthorized("The access token is no longer valid; ask for a new one.")
    caller = AuthUser(user["id"], user["username"], user["email"], user["is_admin"])
    request.ctx.caller = caller  # answers for a signed-in caller are marked `Cache-Control: no-store`
    return caller


async def optional_user(request: Request) -> AuthUser | None:
    """The caller when the request sends a token (401 if it is not valid), else None: reads anyone may make
    whose answer is fuller for the owner."""
    if not request.headers.get("authorization"):
        return None
    return await current_user(request)


async def admin_user(request: Request) -> AuthUser:
    """The caller, who must be an administrator (401 without a token, 403 for others)."""
    user = await current_user(request)
    if not user.is_admin:
        raise Forbidden("This route is for administrators.")
    return user


def client_address(request: Request) -> str:
    """The caller's address: the socket peer, or the first forwarded hop when TRUST_FORWARDED is set."""
    if request.app.ctx.settings.trust_forwarded:
        forwarded = request.headers.get("x-forwarded-for", "").split(",")[0].strip()
        if forwarded:
            return forwarded[:64]
    return request.ip or "unknown"

