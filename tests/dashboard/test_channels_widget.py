"""The channels page gives a brand the chat widget's snippet to paste into its site, in the
colour of its logo or one it picks."""

import html
import re

import pytest
from django.core.files.base import ContentFile

from tests.conftest import image_bytes

pytestmark = pytest.mark.django_db

PUBLIC = "https://souk.example.com"


@pytest.fixture(autouse=True)
def _public_url(settings):
    settings.SOUK_PUBLIC_URL = PUBLIC


def snippet(response) -> str:
    found = re.search(r'id="widget-snippet"><code>(.*?)</code>', response.content.decode())
    return html.unescape(found.group(1))


def test_the_snippet_loads_the_widget_for_this_shop(manager_client, shop):
    assert snippet(manager_client.get("/dashboard/channels/")) == (
        f'<script src="{PUBLIC}/chat/widget.js" data-shop="{shop.slug}" '
        'data-color="#8a4b08" async></script>'
    )


def test_the_bubble_takes_the_logos_colour_or_the_one_picked(manager_client, shop):
    shop.logo.save("logo.png", ContentFile(image_bytes("PNG", (80, 80), (10, 120, 200))))
    assert 'data-color="#0a78c8"' in snippet(manager_client.get("/dashboard/channels/"))

    picked = manager_client.get("/dashboard/channels/", {"color": "#123456"})
    assert 'data-color="#123456"' in snippet(picked)
    hostile = manager_client.get("/dashboard/channels/", {"color": '"><script>'})
    assert 'data-color="#0a78c8"' in snippet(hostile)
