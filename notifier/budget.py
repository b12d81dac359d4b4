"""The practice's daily SMS budget at send time (Practice.sms_daily_budget; portal.limits.sms).

Each batch reads how many SMS each of its practices has sent since the start of its own day,
then spends what is left message by message. With several workers each may spend what it read,
so the budget can be exceeded by at most one batch per worker; it is a brake against SMS pumping,
not an accounting."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from portal.messaging import notices
from portal.sql import fetch

_SENT_TODAY = ("SELECT COUNT(*) FROM outbox_message WHERE practice_id = ? AND channel = 'sms' "
               "AND sent_at IS NOT NULL AND sent_at >= ?")


def day_start(now: datetime, tz_name: str) -> datetime:
    local = now.astimezone(ZoneInfo(tz_name))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass
class SmsBudget:
    remaining: dict[int, int] = field(default_factory=dict)  # practice -> SMS left today

    @classmethod
    async def load(cls, practices: dict[int, dict], practice_ids: set[int], now: datetime) -> SmsBudget:
        budget = cls()
        for practice_id in practice_ids:
            practice = practices.get(practice_id)
            if practice is None:
                continue
            rows = await fetch(_SENT_TODAY, practice_id, day_start(now, practice["timezone"]))
            budget.remaining[practice_id] = practice["sms_daily_budget"] - rows[0][0]
        return budget

    def left(self, practice_id: int) -> int | None:
        return self.remaining.get(practice_id)

    def spend(self, practice_id: int) -> None:
        if practice_id in self.remaining:
            self.remaining[practice_id] -= 1

    def refund(self, practice_id: int) -> None:
        if practice_id in self.remaining:
            self.remaining[practice_id] += 1


async def tell_practice_spent(practice: dict, now: datetime) -> None:
    """One notice per practice and local day."""
    day = day_start(now, practice["timezone"]).date().toordinal()
    await notices.tell_practice(practice["id"], notices.NoticeKey(notices.SMS_BUDGET, practice["id"], day), now)
