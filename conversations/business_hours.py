"""When a person will answer: the shop's business hours (conversations.InboxSettings, in the
shop's time zone) and whether anyone of the team is online (conversations.presence), turned
into what the bot tells a shopper who asks for a person."""

import zoneinfo
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.utils import timezone

from conversations.models import InboxSettings
from conversations.phrases import WEEKDAYS, say
from conversations.presence import online_user_ids
from shops.models import Membership, Shop

DAYS = range(7)  # Monday = 0, as datetime.weekday()


def _clock(value) -> time | None:
    try:
        hours, minutes = str(value).split(":")
        return time(int(hours), int(minutes))
    except (TypeError, ValueError):
        return None


def opening_hours(hours: dict) -> dict[int, tuple[time, time]]:
    """{weekday: (opens, closes)} for the days the shop is open; malformed days are closed."""
    parsed = {}
    for day in DAYS:
        span = (hours or {}).get(str(day))
        if not isinstance(span, list | tuple) or len(span) != 2:
            continue
        opens, closes = _clock(span[0]), _clock(span[1])
        if opens is not None and closes is not None and opens < closes:
            parsed[day] = (opens, closes)
    return parsed


def is_open(hours: dict, local: datetime) -> bool:
    span = opening_hours(hours).get(local.weekday())
    return span is not None and span[0] <= local.time() < span[1]


def next_opening(hours: dict, local: datetime) -> datetime | None:
    """The next time the team opens after `local` (aware, in the shop's zone), or None when
    no hours are set."""
    spans = opening_hours(hours)
    if not spans:
        return None
    for ahead in range(8):
        day = local + timedelta(days=ahead)
        span = spans.get(day.weekday())
        if span is None:
            continue
        opens = day.replace(hour=span[0].hour, minute=span[0].minute, second=0, microsecond=0)
        if opens > local:
            return opens
    return None


@dataclass(frozen=True)
class Availability:
    online: bool  # someone of the team used the inbox in the last few minutes
    back_at: datetime | None  # when the team opens next, when closed now (shop's zone)
    away_message: str = ""


def team_availability(*, shop: Shop, now: datetime | None = None) -> Availability:
    """Two queries at most (the team, then the hours only when nobody is online) and one
    cache round trip."""
    team = Membership.objects.filter(shop=shop).values_list("user_id", flat=True)
    if online_user_ids(shop_id=shop.pk, user_ids=list(team)):
        return Availability(online=True, back_at=None)
    settings = InboxSettings.objects.filter(shop=shop).first()
    hours = settings.hours if settings else {}
    local = (now or timezone.now()).astimezone(zoneinfo.ZoneInfo(shop.timezone))
    if not hours or is_open(hours, local):
        return Availability(online=False, back_at=None)
    away = settings.away_message.strip() if settings else ""
    return Availability(online=False, back_at=next_opening(hours, local), away_message=away)


def when_text(moment: datetime, *, local_now: datetime, language: str) -> str:
    """ "today at 09:00", "tomorrow at 09:00", "on Monday at 09:00" (and in French)."""
    clock = moment.strftime("%H:%M")
    days = (moment.date() - local_now.date()).days
    if days == 0:
        return say("when_today", language, time=clock)
    if days == 1:
        return say("when_tomorrow", language, time=clock)
    names = WEEKDAYS.get(language, WEEKDAYS["en"])
    return say("when_weekday", language, day=names[moment.weekday()], time=clock)


def handoff_text(*, shop: Shop, language: str, now: datetime | None = None) -> str:
    """What the bot says when it hands a shopper to a person: soon when someone is online;
    otherwise when the team is back (outside business hours) or "as soon as possible"."""
    availability = team_availability(shop=shop, now=now)
    if availability.online:
        return say("handoff", language)
    if availability.back_at is None:
        return say("handoff_later", language)
    local_now = (now or timezone.now()).astimezone(availability.back_at.tzinfo)
    text = say(
        "handoff_away",
        language,
        when=when_text(availability.back_at, local_now=local_now, language=language),
    )
    if availability.away_message:
        text += "\n" + availability.away_message
    return text
