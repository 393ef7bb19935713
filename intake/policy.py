"""Timing rules of the case workflow, and time in Cambodia. Plain values, set from the config."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Policy:
    """How long things may wait, when reminders and follow-ups go, and the SMS quiet hours."""

    timezone: str = "Asia/Phnom_Penh"
    reminder_hours: tuple[int, ...] = (24, 2)
    dispute_follow_up_days: int = 3
    protection_follow_up_days: tuple[int, ...] = (7, 30, 90)
    escalate_dispute_after: timedelta = timedelta(hours=24)
    escalate_urgent_after: timedelta = timedelta(minutes=15)
    quiet_start: time = time(21, 0)
    quiet_end: time = time(7, 0)
    office_hours: tuple[str, ...] = ("08:00", "09:00", "10:00", "14:00", "15:00", "16:00")

    @property
    def tz(self) -> ZoneInfo:
        """The service's time zone."""
        return ZoneInfo(self.timezone)

    def local(self, moment: datetime) -> datetime:
        """A UTC moment on Cambodian clocks."""
        return moment.astimezone(self.tz)

    def quiet_until(self, moment: datetime) -> datetime | None:
        """When a non-urgent SMS due at `moment` may go: None if now is fine, else the end of the
        quiet hours (07:00 local) as a UTC-aware datetime."""
        local = self.local(moment)
        t = local.timetz().replace(tzinfo=None)
        if self.quiet_end <= t < self.quiet_start:
            return None
        day = local.date() if t < self.quiet_end else local.date() + timedelta(days=1)
        return datetime.combine(day, self.quiet_end, tzinfo=self.tz).astimezone(moment.tzinfo)

    def daytime_until(self, moment: datetime, start: time = time(8, 0), end: time = time(17, 0)) -> datetime | None:
        """For someone who asked to be texted only in the day: None inside 08:00–17:00, else the
        next 08:00 local, as a UTC-aware datetime."""
        local = self.local(moment)
        t = local.timetz().replace(tzinfo=None)
        if start <= t < end:
            return None
        day = local.date() if t < start else local.date() + timedelta(days=1)
        return datetime.combine(day, start, tzinfo=self.tz).astimezone(moment.tzinfo)

    def working_days(self, start: datetime, count: int = 6) -> list[datetime]:
        """The next `count` Monday–Friday dates after `start`, at local midnight."""
        day = self.local(start).date()
        out: list[datetime] = []
        while len(out) < count:
            day += timedelta(days=1)
            if day.weekday() < 5:
                out.append(datetime.combine(day, time(0, 0), tzinfo=self.tz))
        return out
