"""The analytics' periods: today, the last 7 days, the last 30 days, each compared with the
period just before it, of the same length and at the same hours (today until now against
yesterday until the same time)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone

PERIODS = {"today": "Today", "7d": "Last 7 days", "30d": "Last 30 days"}
DEFAULT_PERIOD = "7d"
_DAYS = {"today": 1, "7d": 7, "30d": 30}


@dataclass(frozen=True)
class Period:
    key: str
    start: datetime
    end: datetime
    shift: timedelta  # how far back the previous period is

    @property
    def label(self) -> str:
        return PERIODS[self.key]

    @property
    def previous_start(self) -> datetime:
        return self.start - self.shift

    @property
    def previous_end(self) -> datetime:
        return self.end - self.shift

    @property
    def hourly(self) -> bool:
        return self.key == "today"

    def buckets(self) -> list[date] | list[int]:
        """The chart's x axis: hours of today, or the days the period touches (local time)."""
        if self.hourly:
            return list(range(timezone.localtime(self.end).hour + 1))
        first, last = timezone.localdate(self.start), timezone.localdate(self.end)
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def period_for(key: str | None, *, now: datetime | None = None) -> Period:
    """The period named `key` (an unknown or missing key gives the default), ending now.
    Call it with the shop's time zone active (dashboard views have it)."""
    key = key if key in PERIODS else DEFAULT_PERIOD
    now = now or timezone.now()
    if key == "today":
        midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        # Yesterday at the same hours; a fixed day (not the clock's 24 h) across a DST change.
        yesterday = timezone.make_aware(
            datetime.combine(midnight.date() - timedelta(days=1), midnight.time())
        )
        return Period(key, midnight, now, midnight - yesterday)
    days = timedelta(days=_DAYS[key])
    return Period(key, now - days, now, days)
