"""Hypothesis strategies shared by the channels' "any catalog fits" property tests: titles
with emoji clusters, buttons with payloads or URLs, cards, long texts, and `repeated` for
large collections without generating hundreds of independent items."""

from itertools import cycle, islice

from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from channels_adapters.messages import Button, Card

CLUSTERS = [
    "👩🏽‍💻",
    "🇫🇷",
    "1️⃣",
    "e\u0301",
    "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",
]
characters = st.one_of(
    st.characters(codec="utf-8", exclude_categories=("Cs",)),
    st.sampled_from([*CLUSTERS, " ", "\n"]),
)
titles = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from([*CLUSTERS, " ", "a", "é"]), max_size=120).map("".join),
)
payload_strings = st.text("abcdefghijklmnopqrstuvwxyz0123456789:", min_size=1, max_size=64)
buttons = st.one_of(
    st.builds(Button, title=titles, payload=payload_strings),
    st.builds(
        Button, title=titles, url=st.sampled_from(["https://shop.example/p/1", "https://x.io"])
    ),
)


def repeated(strategy, max_count: int):
    """Up to `max_count` items cycling through a few generated ones: large collections
    without generating (and shrinking) hundreds of independent items."""
    return st.builds(
        lambda items, n: tuple(islice(cycle(items), n)),
        st.lists(strategy, min_size=1, max_size=8),
        st.integers(1, max_count),
    )


cards = st.builds(
    Card,
    title=titles,
    subtitle=titles,
    image_url=st.sampled_from(["", "https://cdn.example/p.jpg"]),
    price=st.sampled_from(["", "49,90 €", "$1,299.00", "¥500"]),
    buttons=st.one_of(st.lists(buttons, max_size=4).map(tuple), repeated(buttons, 50)),
)
long_texts = st.one_of(
    st.lists(characters, max_size=20_000).map("".join),
    # a generated piece repeated up to 20,000 characters: long texts without generating each one
    st.builds(lambda piece, n: (piece * n)[:20_000], titles, st.integers(0, 20_000)),
)


property_test = hypothesis_settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
