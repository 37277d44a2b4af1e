"""Who is calling: argon2id password hashes, signed expiring bearer tokens, and the current user."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sanic import Request

from config import Settings
from errors import Forbidden, Unauthorized
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


async def verify_password(password_hash: str, password: str) -> tuple[bool, bool]:
    """(matches, needs a rehash with the current parameters), checked off the event loop."""

    def check() -> tuple[bool, bool]:
        try:
            HASHER.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False, False
        return True, HASHER.check_needs_rehash(password_hash)

    return await asyncio.to_thread(check)


def issue_token(settings: Settings, user: dict[str, Any]) -> dict[str, Any]:
    """A signed access token for the user, revoked by a later password change or deletion."""
    now = int(time.time())
    claims = {"sub": str(user["id"]), "iat": now, "exp": now + settings.token_ttl_seconds,
              "pwd": users.stamp(user["password_changed_at"]), "typ": "access"}
    token = jwt.encode(claims, str(settings.secret_key), algorithm=ALGORITHM)
    return {"access_token": token, "token_type": "Bearer", "expires_in": settings.token_ttl_seconds}


def _claims(settings: Settings, token: str) -> dict[str, Any]:
    try:
        claims = jwt.decode(token, str(settings.secret_key), algorithms=[ALGORITHM],
                            options={"require": ["sub", "exp", "iat", "pwd"]})
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("The access token has expired; ask for a new one.") from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized("The access token is not valid.") from exc
    if claims.get("typ") != "access" or not str(claims["sub"]).isdigit():
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
    user = await users.get_user(await request.app.ctx.stores.postgres(), int(claims["sub"]))
    if user is None or users.stamp(user["password_changed_at"]) != claims["pwd"]:
        raise Unauthorized("The access token is no longer valid; ask for a new one.")
    return AuthUser(user["id"], user["username"], user["email"], user["is_admin"])


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

