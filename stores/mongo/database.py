"""The type of the MongoDB handle every repository function takes."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

Database = AsyncDatabase[dict[str, Any]]
