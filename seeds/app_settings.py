"""Default application settings, written to MongoDB only where an operator has not set them."""

from __future__ import annotations

DEFAULT_SETTINGS: dict[str, object] = {
    "site_name": "MovieVerse",
    "trending_half_life_hours": 36,
    "recommendations_limit": 20,
    "similar_limit": 12,
    "popular_limit": 100,
    "maintenance_mode": False,
}
