"""What an SMS reply costs the shop, as the inbox's composer shows it under the text: the
segments carriers bill (gsm.py) times what one segment costs, `SOUK_SMS_SEGMENT_COST` minor
units of the shop's currency. static/dashboard/composer.js writes the same line as the agent
types (tests/browser/test_dashboard_composer.py compares them)."""

from django.conf import settings

from channels_adapters.base import ReplyCost
from channels_adapters.sms import gsm
from shops.money import format_amount

# About 0,07 €: what a segment costs when the deployment does not say.
DEFAULT_SEGMENT_COST = 7


def segment_cost() -> int:
    """One segment, in minor units of the shop's currency (read each time: settings change)."""
    return int(getattr(settings, "SOUK_SMS_SEGMENT_COST", DEFAULT_SEGMENT_COST))


def reply_cost(text: str, *, currency: str, language: str) -> ReplyCost:
    """`text` sent as one SMS reply, counted as carriers count it once typographic
    punctuation is replaced (as `render` does)."""
    encoding, segments = gsm.segments(gsm.to_gsm(text))
    each = segment_cost()
    if segments == 0:
        line = f"SMS: each segment ~{format_amount(each, currency, language)}"
        return ReplyCost(line=line, unit_cost=each)
    total = format_amount(segments * each, currency, language)
    count = "1 segment" if segments == 1 else f"≈ {segments} segments"
    line = f"SMS: {count} · ~{total}"
    if encoding == gsm.UCS2:
        line += " · UCS-2: special characters make segments shorter"
    return ReplyCost(line=line, unit_cost=each)
