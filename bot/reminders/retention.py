"""Tables that stop growing: deliveries of long-past expiries and finished owner broadcasts
are deleted after DELIVERY_RETENTION_DAYS (400 by default, so /botstats and a year of
charts keep their data).

A million cards renewed monthly add some fifty million delivery rows a year. The sweep
leader deletes them a thousand rows per transaction (short locks, on SQLite too), a few
thousand per sweep and only when no reminder is waiting; once a pass finds nothing left it
rests for an hour.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.runtime.services import Services
from storage.repositories.broadcasts import BroadcastRepository
from storage.repositories.deliveries import DeliveryRepository

log = logging.getLogger(__name__)

PRUNE_BATCH = 1000  # rows per transaction
BATCHES_PER_SWEEP = 5
REST = timedelta(hours=1)  # after a pass that found nothing more to delete


class Pruner:
    def __init__(self, services: Services) -> None:
        self.services = services
        self._next: datetime | None = None

    async def prune(self) -> int:
        """Delete a few batches of expired rows if it is time; returns how many rows."""
        now = self.services.now()
        if self._next is not None and now < self._next:
            return 0
        cutoff = now - timedelta(days=self.services.settings.delivery_retention_days)
        deleted = 0
        for _ in range(BATCHES_PER_SWEEP):
            async with self.services.db.session() as session:
                batch = await DeliveryRepository(session).prune(cutoff.date(), PRUNE_BATCH)
                if batch < PRUNE_BATCH:
                    batch += await BroadcastRepository(session).prune(
                        cutoff, PRUNE_BATCH - batch
                    )
            deleted += batch
            if batch < PRUNE_BATCH:  # nothing more to delete for now
                self._next = now + REST
                break
        if deleted:
            log.info("pruned %d delivery and broadcast rows from before %s", deleted,
                     cutoff.date())
        return deleted
