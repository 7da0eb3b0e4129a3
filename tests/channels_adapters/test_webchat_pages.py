"""The web chat's public pages keep the addresses brands link to and paste into their sites
(the chat page, its messages endpoint, the widget's script and the chat it embeds), and are
served by the web chat's own package (issue 13: a channel's pages live in its package)."""

import pytest
from django.urls import resolve, reverse

SLUG = "maison-souk"

# URL name → the public path, as brands were given it (dashboard snippets, links in bios).
PUBLIC_PATHS = {
    "webchat-page": f"/chat/{SLUG}/",
    "webchat-messages": f"/chat/{SLUG}/messages",
    "webchat-embed": f"/chat/{SLUG}/embed/",
    "webchat-embed-messages": f"/chat/{SLUG}/embed/messages",
    "webchat-widget": "/chat/widget.js",
}


@pytest.mark.parametrize("name", sorted(PUBLIC_PATHS))
def test_each_page_keeps_its_public_address_and_url_name(name):
    kwargs = {} if name == "webchat-widget" else {"slug": SLUG}
    assert reverse(name, kwargs=kwargs) == PUBLIC_PATHS[name]
    assert resolve(PUBLIC_PATHS[name]).url_name == name


@pytest.mark.parametrize("name", sorted(PUBLIC_PATHS))
def test_each_page_is_served_by_the_web_chats_own_package(name):
    view = resolve(PUBLIC_PATHS[name]).func
    assert view.__module__.startswith("channels_adapters.webchat.")
