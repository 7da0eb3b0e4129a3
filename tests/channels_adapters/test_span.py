"""base.span: the durations the reply-window explanations quote ("closes in 3 h"), in the language
of the text around them, so a French or Chinese explanation holds no English word."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation

from channels_adapters.base import span
from channels_adapters.registry import adapter_for


@pytest.mark.parametrize(
    ("delta", "english", "french", "chinese"),
    [
        (timedelta(seconds=20), "1 min", "1 min", "1分钟"),
        (timedelta(minutes=59), "59 min", "59 min", "59分钟"),
        (timedelta(hours=3, minutes=40), "3 h", "3 h", "3小时"),
        (timedelta(hours=47), "47 h", "47 h", "47小时"),
        (timedelta(days=8, hours=5), "8 days", "8 jours", "8天"),
        (timedelta(days=2), "2 days", "2 jours", "2天"),
    ],
)
def test_a_span_is_said_in_the_active_language(delta, english, french, chinese):
    said = {}
    for language in ("en", "fr", "zh-hans"):
        with translation.override(language):
            said[language] = span(delta)
    assert said == {"en": english, "fr": french, "zh-hans": chinese}


def test_a_late_instagram_reply_is_explained_in_french_from_end_to_end():
    now = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    with translation.override("fr"):
        window = adapter_for("instagram").reply_window(now - timedelta(days=4), now)
    assert "il y a 3 jours" in window.explanation
    assert "days" not in window.explanation
