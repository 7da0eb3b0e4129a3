"""The inbox in real browsers: a shopper on the web chat (a phone) asks for a person while an
agent has the inbox open (a laptop). The conversation appears at the top of the agent's list
without a reload; the agent opens it, takes over and replies in the composer; the shopper sees
the reply under the agent's name. Then the shortcuts: ? lists them, j opens a conversation."""

import pytest
from playwright.sync_api import Page, expect

from conversations.models import Conversation, Message
from shops.models import Role
from tests.browser.dashboard import signed_in_member, watch_console
from tests.dashboard.inbox_helpers import conversation, minutes_ago


@pytest.fixture
def shopper(browser, live_server, shop, playwright, console_errors):
    context = browser.new_context(**playwright.devices["Pixel 7"], locale="fr-FR")
    page = watch_console(context.new_page(), console_errors)
    page.goto(f"{live_server.url}/chat/{shop.slug}/")
    expect(page.get_by_text("Bienvenue chez Maison Rouge")).to_be_visible()
    yield page
    context.close()


@pytest.fixture
def agent(browser, live_server, shop, console_errors):
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = signed_in_member(context.new_page(), live_server.url, shop, Role.AGENT, console_errors)
    page.user.full_name = "Ana Lopez"
    page.user.save(update_fields=["full_name"])
    yield page
    context.close()


def test_a_shopper_asks_for_a_person_and_an_agent_answers_from_the_inbox(
    shop, agent: Page, live_server, browser, playwright, console_errors
):
    expect.set_options(timeout=10_000)
    conversation(shop, "Earlier shopper", last=minutes_ago(30), seen=minutes_ago(20))
    agent.goto(f"{live_server.url}/dashboard/inbox/")
    rows = agent.locator("#inbox-results .inbox-item")
    expect(rows).to_have_count(1)
    # Marks this very page: it must still be there after the conversation arrives.
    agent.evaluate("window.notReloaded = true")

    # The shopper opens the chat while the agent watches, and asks for a person.
    context = browser.new_context(**playwright.devices["Pixel 7"], locale="fr-FR")
    shopper = watch_console(context.new_page(), console_errors)
    shopper.goto(f"{live_server.url}/chat/{shop.slug}/")
    expect(shopper.get_by_text("Bienvenue chez Maison Rouge")).to_be_visible()
    shopper.get_by_role("button", name="Parler à quelqu'un").last.click()
    # Someone is online (the agent's open inbox): the shopper is told it will be soon.
    expect(shopper.get_by_text("va vous répondre ici très vite")).to_be_visible()

    # Without reloading, the conversation is at the top of the agent's list, waiting.
    expect(rows).to_have_count(2, timeout=4_000)
    first = rows.first
    expect(first).to_contain_text("Needs a person")
    expect(first).to_have_class("inbox-item unread")
    assert agent.evaluate("window.notReloaded") is True
    expect(agent.locator(".inbox-views")).to_contain_text("Needs a person 1")

    # The agent opens it: the transcript as the shopper saw it.
    first.locator("a").click()
    thread = agent.locator("#thread")
    expect(thread).to_contain_text("Parler à quelqu'un")
    expect(thread).to_contain_text("va vous répondre ici très vite")
    expect(agent.locator("#conversation-head")).to_contain_text("Needs a person")

    # Takes over (t), then replies in the composer (loaded once the page's scripts run).
    expect(agent.locator("#composer-text")).to_be_visible()
    agent.keyboard.press("t")
    expect(agent.locator(".flash")).to_contain_text("You have the conversation")
    expect(agent.locator("#conversation-head")).to_contain_text("You answer")
    reply = agent.locator("#composer-text")
    expect(reply).to_be_visible()
    reply.fill("Bonjour, je suis Ana. Que puis-je faire pour vous ?")
    agent.locator("#composer").get_by_role("button", name="Send").click()
    mine = thread.locator(".msg-out").last
    expect(mine).to_contain_text("Bonjour, je suis Ana.")
    expect(mine.locator(".msg-author")).to_have_text("Ana Lopez")
    expect(mine).to_contain_text("Sent")

    # The shopper sees the reply under the agent's name.
    answer = shopper.locator(".msg-out").last
    expect(answer).to_contain_text("Bonjour, je suis Ana. Que puis-je faire pour vous ?")
    expect(answer.locator(".msg-author")).to_have_text("Ana Lopez")

    # What the shopper writes now reaches the agent's open thread, and the bot stays quiet.
    shopper.get_by_label("Écrivez un message…").fill("Ma commande n'est pas arrivée")
    shopper.get_by_label("Envoyer").click()
    expect(thread.locator(".msg-in").last).to_contain_text("Ma commande n'est pas arrivée")
    conv = Conversation.objects.get(shop=shop, customer__name="")
    assert conv.handed_off and conv.assigned_to_id == agent.user.pk
    last = Message.objects.filter(conversation=conv).order_by("-id").first()
    assert last.direction == "in"  # no bot answer after it
    context.close()


def test_shortcuts_list_and_move_through_the_conversations(shop, agent: Page, live_server):
    expect.set_options(timeout=10_000)
    conversation(shop, "Première", last=minutes_ago(1))
    conversation(shop, "Deuxième", last=minutes_ago(2))
    agent.goto(f"{live_server.url}/dashboard/inbox/")

    agent.keyboard.press("?")
    dialog = agent.locator("#shortcuts-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Next conversation")
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()

    # Typing in the search box is not a shortcut.
    agent.get_by_label("Search").fill("jk")
    expect(agent).to_have_url(f"{live_server.url}/dashboard/inbox/")

    agent.locator("main h1").click()  # leave the field
    agent.keyboard.press("j")
    expect(agent.locator("#conversation-title")).to_have_text("Première")
    expect(agent.locator("#inbox-results [aria-current=page]")).to_contain_text("Première")
    agent.keyboard.press("j")
    expect(agent.locator("#conversation-title")).to_have_text("Deuxième")
    # (once the page's scripts run: the list column arrives after them)
    expect(agent.locator("#inbox-results [aria-current=page]")).to_contain_text("Deuxième")
    agent.keyboard.press("k")
    expect(agent.locator("#conversation-title")).to_have_text("Première")
    expect(agent.locator("#inbox-results [aria-current=page]")).to_contain_text("Première")

    agent.keyboard.press("n")
    expect(agent.locator("#note-text")).to_be_focused()
    agent.keyboard.type("Client fidèle")
    agent.get_by_role("button", name="Add note").click()
    expect(agent.locator("#thread .note")).to_contain_text("Client fidèle")

    agent.keyboard.press("e")
    expect(agent.locator(".flash")).to_contain_text("Resolved. The bot answers")
    expect(agent.locator("#conversation-head")).to_contain_text("Resolved")


def test_a_phone_shows_the_conversation_alone_with_a_way_back(
    shop, browser, live_server, playwright, console_errors
):
    expect.set_options(timeout=10_000)
    context = browser.new_context(**playwright.devices["iPhone 13"])
    page = signed_in_member(context.new_page(), live_server.url, shop, Role.AGENT, console_errors)
    conv = conversation(shop, "Léa", last=minutes_ago(1))
    page.goto(f"{live_server.url}/dashboard/inbox/{conv.pk}/")
    expect(page.locator("#conversation-title")).to_have_text("Léa")
    expect(page.locator("#inbox-list")).to_be_hidden()
    expect(page.locator("#composer-text")).to_be_visible()  # the regions have loaded
    page.wait_for_load_state("networkidle")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, width  # nothing wider than the screen
    page.get_by_role("link", name="← All conversations").click()
    expect(page.locator("#inbox-results .inbox-item")).to_have_count(1)
    context.close()
