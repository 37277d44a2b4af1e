"""User profiles in Firebase Realtime Database, at /profiles/{user_id} (set, get, update, delete only)."""

from __future__ import annotations

from typing import Any

from stores.firebase import Firebase

EMPTY: dict[str, Any] = {"bio": "", "avatar_url": None, "location": "", "favorite_genres": [], "updated_at": None}


def _path(user_id: int) -> str:
    return f"/profiles/{int(user_id)}"


def _complete(value: Any) -> dict[str, Any]:
    found = value if isinstance(value, dict) else {}
    return {name: found.get(name, default) for name, default in EMPTY.items()}


async def get_profile(fb: Firebase, user_id: int) -> dict[str, Any]:
    """The profile, with every field (empty ones when none was saved)."""
    return _complete(await fb.get(_path(user_id)))


async def put_profile(fb: Firebase, user_id: int, profile: dict[str, Any]) -> dict[str, Any]:
    """Replace the profile."""
    full = {**EMPTY, **profile}
    await fb.set(_path(user_id), full)
    return _complete(full)


async def patch_profile(fb: Firebase, user_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    """Change some fields of the profile."""
    await fb.update(_path(user_id), changes)
    return await get_profile(fb, user_id)


async def delete_profile(fb: Firebase, user_id: int) -> None:
    """Remove the profile (nothing happens when there is none)."""
    await fb.delete(_path(user_id))
