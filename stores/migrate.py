"""Create every schema and index: `python -m stores.migrate`. Safe to run any number of times."""

from __future__ import annotations

import asyncio
import logging
import sys

from config import Settings, get_settings
from stores import mongo, mysql, postgres

log = logging.getLogger("movieverse.migrate")


async def migrate(settings: Settings) -> None:
    """Apply the PostgreSQL, MySQL and MongoDB schemas."""
    pg = await postgres.connect(settings, max_size=2)
    try:
        await postgres.ensure_schema(pg)
    finally:
        await postgres.close(pg)
    my = await mysql.connect(settings, maxsize=2)
    try:
        await mysql.ensure_schema(my)
    finally:
        await mysql.close(my)
    db = await mongo.connect(settings)
    try:
        await mongo.ensure_schema(db)
    finally:
        await mongo.close(db)


def main() -> int:
    """Run the migration and report."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    asyncio.run(migrate(get_settings()))
    log.info("schemas are up to date (postgres, mysql, mongo)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
