"""The channel preview: a product or a category drawn as each app shows it, from the bot's own
messages rendered by each channel's adapter (the texts asserted here are the adapters')."""

import itertools
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.services import category_create, product_create
from tests.conftest import image_bytes

pytestmark = pytest.mark.django_db

PREVIEW = "/dashboard/channels/preview/"
_skus = itertools.count(1)


def dress(shop, *, sizes=("36", "38", "40", "42", "44"), title="Robe portefeuille", **kwargs):
    return product_create(
        shop=shop,
        title=title,
        description=kwargs.pop("description", "Une robe rouge en lin, coupe portefeuille."),
        variants=[
            {"sku": f"SKU-{next(_skus)}", "name": size, "price": 4990, "stock": 3} for size in sizes
        ],
        images=[SimpleUploadedFile("robe.jpg", image_bytes(), content_type="image/jpeg")],
        **kwargs,
    )


def phone(html: str, kind: str) -> str:
    """The mock of one app on the page."""
    start = html.index(f'<section class="phone phone-{kind}"')
    return html[start : html.index("</section>", start)]


def payloads(response, kind: str) -> list[dict]:
    channel = next(c for c in response.context["preview"].channels if c.kind == kind)
    return channel.payloads


def test_a_product_with_five_sizes_on_every_channel(manager_client, shop):
    product = dress(shop)

    response = manager_client.get(PREVIEW, {"product": product.pk})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Robe portefeuille" in html
    assert "its 5 variants in stock" in html

    # WhatsApp: reply buttons hold 3, so 5 sizes become a list behind a button whose label the
    # adapter cuts to 20 characters.
    whatsapp = phone(html, "whatsapp")
    assert "More than 3 choices → list message" in whatsapp
    assert "☰ Robe portefeuille\xa0:…" in whatsapp  # the French no-break space kept
    assert "<li><span>36</span></li><li><span>38</span></li><li><span>40</span></li>" in whatsapp
    assert payloads(response, "whatsapp")[-1]["interactive"]["type"] == "list"

    # SMS: a numbered menu with the adapter's "(1-5)" footer, counted in GSM-7 segments.
    sms = phone(html, "sms")
    assert "1. 36<br>2. 38<br>3. 40<br>4. 42<br>5. 44<br>(1-5)" in sms
    assert "GSM-7 · 64 characters · 1 segment" in sms
    assert "numbered menu, the shopper answers with a number (1-5)" in sms
    assert "2 text messages, 2 segments in all (GSM-7)" in sms

    # Telegram: a photo with an HTML caption, then an inline keyboard of 3 short keys a row.
    telegram = phone(html, "telegram")
    assert "sendPhoto" in telegram
    assert '<strong class="bubble-title">Robe portefeuille</strong>' in telegram
    assert (
        '<div class="keyboard-row"><span class="key">36</span><span class="key">38</span>'
        '<span class="key">40</span></div><div class="keyboard-row"><span class="key">42</span>'
        '<span class="key">44</span></div>'
    ) in telegram
    assert payloads(response, "telegram")[0]["params"]["caption"].startswith(
        # The price on one line, with Babel's no-break space kept (SMS alone replaces it, gsm.py).
        "<b>Robe portefeuille</b>\n49,90\xa0€"
    )

    # Messenger: a generic template card, then the sizes as quick replies.
    messenger = phone(html, "messenger")
    assert "Generic template" in messenger
    assert "49,90\xa0€ · Une robe rouge en lin" in messenger
    assert '<ul class="chips"><li>36</li><li>38</li><li>40</li><li>42</li><li>44</li></ul>' in (
        messenger
    )
    assert "5 choices → quick replies under the question." in messenger

    # Web chat: the card and the choices as sent.
    webchat = phone(html, "webchat")
    assert "Robe portefeuille\u00a0: lequel\u202f?" in webchat
    assert f"/media/shops/{shop.pk}/products/{product.pk}/" in webchat


def test_three_sizes_stay_reply_buttons_on_whatsapp(manager_client, shop):
    product = dress(shop, sizes=("S", "M", "L"))
    html = manager_client.get(PREVIEW, {"product": product.pk}).content.decode()
    whatsapp = phone(html, "whatsapp")
    assert "Reply buttons" in whatsapp
    assert "3 choices → reply buttons." in whatsapp
    assert "☰" not in whatsapp


def test_a_letter_outside_gsm7_makes_the_sms_ucs2(manager_client, shop):
    product = dress(shop, title="Chemise façonnée", description="")
    html = manager_client.get(PREVIEW, {"product": product.pk}).content.decode()
    sms = phone(html, "sms")
    assert "UCS-2 because of “ç”" in sms
    assert "67 characters a segment instead of 153" in sms


def test_a_single_variant_is_bought_or_added_from_the_card(manager_client, shop):
    product = dress(shop, sizes=("Unique",))
    html = manager_client.get(PREVIEW, {"product": product.pk}).content.decode()
    assert "one tap on the card buys it or puts it in the cart" in html
    assert "combien" not in html  # no quantity question: one, changed in the cart
    webchat = phone(html, "webchat")
    assert "Acheter" in webchat and "Ajouter au panier" in webchat


def test_an_inactive_product_is_previewed_with_a_warning(manager_client, shop):
    product = dress(shop, active=False)
    html = manager_client.get(PREVIEW, {"product": product.pk}).content.decode()
    assert "This product is inactive: shoppers never see it" in html
    assert "Robe portefeuille\u00a0: lequel\u202f?" in phone(html, "telegram")


def test_a_category_with_more_than_a_page_of_products(manager_client, shop):
    robes = category_create(shop=shop, name="Robes")
    for n in range(12):
        dress(shop, title=f"Robe {n:02d}", sizes=("38",), category=robes)

    response = manager_client.get(PREVIEW, {"category": robes.pk})

    html = response.content.decode()
    assert "its first products" in html and "“Plus” shows the next ones" in html
    assert "No carousel on WhatsApp: 10 products" in phone(html, "whatsapp")
    # 10 product rows and "Plus" make 11 rows: two lists of 10 at most.
    lists = [p for p in payloads(response, "whatsapp") if p["type"] == "interactive"]
    assert [len(p["interactive"]["action"]["sections"][0]["rows"]) for p in lists] == [10, 1]
    assert "10. Robe 09 - 49,90 €<br>11. Plus<br>(1-11)" in phone(html, "sms")
    telegram = phone(html, "telegram")
    assert "No carousel on Telegram: 10 cards → 10 messages" in telegram
    assert '<span class="key">Plus</span>' in telegram
    assert "“More” rides as a quick reply under the last cards." in phone(html, "messenger")
    assert "Robe 10" not in telegram  # the 11th product waits for "Plus"


def test_an_empty_category_says_the_bot_has_nothing(manager_client, shop):
    empty = category_create(shop=shop, name="Chapeaux")
    html = manager_client.get(PREVIEW, {"category": empty.pk}).content.decode()
    assert "No active product in this category" in html
    assert "phone-messenger" not in html


def test_titles_are_escaped_everywhere(manager_client, shop):
    product = dress(shop, title="<b>Robe</b> & <script>x()</script>", sizes=("S", "M"))
    html = manager_client.get(PREVIEW, {"product": product.pk}).content.decode()
    assert "<script>x()" not in html
    assert "<b>Robe</b>" not in html
    assert "&lt;b&gt;Robe&lt;/b&gt; &amp; &lt;script&gt;" in phone(html, "telegram")


def test_the_pickers_list_this_shops_products_and_categories_only(manager_client, shop, other_shop):
    dress(shop)
    category_create(shop=shop, name="Robes")
    dress(other_shop, title="Their secret dress")
    category_create(shop=other_shop, name="Their category")

    html = manager_client.get(PREVIEW).content.decode()

    assert "Robe portefeuille" in html and "Robes" in html
    assert "Their secret dress" not in html and "Their category" not in html
    assert "phone-messenger" not in html  # nothing picked yet


def test_another_shops_product_or_category_is_not_found(manager_client, other_shop):
    theirs = dress(other_shop)
    their_category = category_create(shop=other_shop, name="Theirs")
    assert manager_client.get(PREVIEW, {"product": theirs.pk}).status_code == 404
    assert manager_client.get(PREVIEW, {"category": their_category.pk}).status_code == 404
    assert manager_client.get(PREVIEW, {"product": "abc"}).status_code == 404


def test_the_payloads_shown_are_the_adapters_json(manager_client, shop):
    product = dress(shop)
    response = manager_client.get(PREVIEW, {"product": product.pk})
    channel = next(c for c in response.context["preview"].channels if c.kind == "messenger")
    assert json.loads(channel.payloads_json) == channel.payloads
    assert channel.payloads[1]["message"]["quick_replies"][0]["title"] == "36"


def test_preview_queries_stay_flat_as_the_catalog_grows(manager_client, shop):
    robes = category_create(shop=shop, name="Robes")
    first = dress(shop, category=robes)
    with CaptureQueriesContext(connection) as small:
        manager_client.get(PREVIEW, {"category": robes.pk})
    for n in range(11):
        dress(shop, title=f"Robe {n:02d}", category=robes, sizes=("36", "38", "40", "42"))
    with CaptureQueriesContext(connection) as large:
        response = manager_client.get(PREVIEW, {"category": robes.pk})
    assert response.status_code == 200
    assert len(large) == len(small) < 15
    with CaptureQueriesContext(connection) as product:
        manager_client.get(PREVIEW, {"product": first.pk})
    assert len(product) < 15


def test_agents_may_not_preview(agent_client, shop):
    product = dress(shop)
    assert agent_client.get(PREVIEW, {"product": product.pk}).status_code == 403


def test_the_channels_page_links_the_preview(manager_client):
    assert f'href="{PREVIEW}"' in manager_client.get("/dashboard/channels/").content.decode()
