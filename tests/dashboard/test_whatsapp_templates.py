"""/dashboard/channels/whatsapp/templates/: registering the templates a WhatsApp number had
approved by Meta (Meta's naming rules checked, errors beside the field), removing one, and who
may do it."""

import pytest

from channels_adapters.models import ChannelAccount, WhatsAppTemplate

URL = "/dashboard/channels/whatsapp/templates/"
REMOVE = "/dashboard/channels/whatsapp/templates/remove/"


@pytest.fixture
def number(shop):
    return ChannelAccount.objects.create(
        shop=shop, kind="whatsapp", external_id="109000000000001", name="Boutique", credentials={}
    )


def template_on(channel, name="order_update", **fields):
    return WhatsAppTemplate.objects.create(
        shop=channel.shop,
        channel=channel,
        name=name,
        language=fields.pop("language", "fr"),
        body_text=fields.pop("body_text", "Bonjour {{1}}, votre commande {{2}} est prête."),
        param_labels=fields.pop("param_labels", ["Prénom", "Commande"]),
    )


def form(number, **changes) -> dict:
    return {
        "channel": number.pk,
        "name": "order_update",
        "language": "fr",
        "body_text": "Bonjour {{1}}, votre commande {{2}} est prête.",
        "param_labels": "Prénom\nNuméro de commande\n",
        **changes,
    }


def test_a_manager_adds_a_template(manager_client, number):
    response = manager_client.post(URL, form(number))

    assert response.status_code == 302 and response["Location"] == URL
    template = WhatsAppTemplate.objects.get()
    assert (template.channel, template.name, template.language) == (number, "order_update", "fr")
    assert template.param_labels == ["Prénom", "Numéro de commande"]
    page = manager_client.get(URL).content.decode()
    assert "Template order_update (fr) added" in page
    assert "1: Prénom, 2: Numéro de commande" in page


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        ({"name": "Order Update"}, "name", "lowercase letters, digits and underscores"),
        ({"language": "French"}, "language", "A language code as Meta writes it"),
        ({"body_text": "Bonjour {{1}}, {{3}}"}, "body_text", "numbered from {{1}} without gaps"),
        ({"param_labels": "a\nb\nc"}, "param_labels", "2 placeholder(s) but 3 labels"),
    ],
)
def test_what_meta_would_refuse_is_an_error_beside_the_field(
    owner_client, number, changes, field, error
):
    html = owner_client.post(URL, form(number, **changes)).content.decode()
    assert error in html
    assert f'id="id_{field}"' in html
    assert "has-error" in html
    assert not WhatsAppTemplate.objects.exists()
    assert "Bonjour {{1}}" in html  # what was typed stays


def test_the_same_template_twice_is_refused(owner_client, number):
    template_on(number)
    html = owner_client.post(URL, form(number)).content.decode()
    assert "order_update (fr) is already registered for this number." in html
    assert WhatsAppTemplate.objects.count() == 1


def test_only_the_shops_whatsapp_numbers_can_be_chosen(shop, other_shop, owner_client, number):
    ChannelAccount.objects.create(shop=shop, kind="telegram", external_id="1", credentials={})
    foreign = ChannelAccount.objects.create(
        shop=other_shop, kind="whatsapp", external_id="109000000000002", credentials={}
    )
    page = owner_client.get(URL).content.decode()
    assert f'<option value="{number.pk}"' in page
    assert page.count("<option") == 1
    html = owner_client.post(URL, form(foreign)).content.decode()
    assert "Select a valid choice" in html
    assert not WhatsAppTemplate.objects.exists()


def test_without_a_whatsapp_number_the_page_says_to_connect_one(owner_client):
    page = owner_client.get(URL).content.decode()
    assert "connect one" in page and "/dashboard/channels/connect/whatsapp/" in page
    assert 'name="body_text"' not in page


def test_removing_a_template_asks_first_and_is_logged(owner_client, number, caplog):
    template = template_on(number)
    page = owner_client.get(URL).content.decode()
    assert 'data-confirm="Remove the template order_update (fr)?' in page

    with caplog.at_level("INFO", logger="channels_adapters.whatsapp.templates_services"):
        response = owner_client.post(REMOVE, {"template": template.pk})

    assert response.status_code == 302
    assert not WhatsAppTemplate.objects.exists()
    [record] = [r for r in caplog.records if r.message == "whatsapp template removed"]
    assert record.template == "order_update (fr)"
    assert record.user_id == owner_client.user.pk


def test_another_shops_template_is_not_found(other_shop, owner_client):
    foreign_number = ChannelAccount.objects.create(
        shop=other_shop, kind="whatsapp", external_id="109000000000003", credentials={}
    )
    foreign = template_on(foreign_number)
    assert owner_client.post(REMOVE, {"template": foreign.pk}).status_code == 404
    assert owner_client.post(REMOVE, {"template": "nope"}).status_code == 404
    assert WhatsAppTemplate.objects.filter(pk=foreign.pk).exists()


def test_agents_cannot_manage_templates(agent_client, number):
    template = template_on(number)
    assert agent_client.get(URL).status_code == 403
    assert agent_client.post(URL, form(number, name="other")).status_code == 403
    assert agent_client.post(REMOVE, {"template": template.pk}).status_code == 403
    assert WhatsAppTemplate.objects.count() == 1


def test_the_channel_list_links_whatsapp_numbers_to_their_templates(owner_client, number):
    page = owner_client.get("/dashboard/channels/").content.decode()
    assert f'href="{URL}"' in page


def test_the_menu_lights_channels_on_the_templates_page(owner_client, number):
    # The page is the WhatsApp package's own (its dashboard_urls): the menu finds it there.
    page = owner_client.get(URL).content.decode()
    assert '<a href="/dashboard/channels/" aria-current="page">Channels</a>' in page
    assert page.count('aria-current="page"') == 1


def test_the_list_stays_within_its_queries(owner_client, number, django_assert_max_num_queries):
    template_on(number, name="t0")
    with django_assert_max_num_queries(8):
        owner_client.get(URL)
    for n in range(1, 40):
        template_on(number, name=f"t{n}")
    with django_assert_max_num_queries(8):
        page = owner_client.get(URL).content.decode()
    assert "t39" in page
