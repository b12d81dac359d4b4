"""One process of the deployment doing its maintenance round at a given instant (for
tests/test_periodic_jobs.py): prints the jobs it ran, as JSON."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import datetime

from creneau import database as db, maintenance


async def main(url: str, now: datetime) -> None:
    await db.init(url)
    try:
        print(json.dumps(await maintenance.run_due(now)))
    finally:
        await db.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], datetime.fromisoformat(sys.argv[2])))
