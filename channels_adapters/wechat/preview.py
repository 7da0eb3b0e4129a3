"""How WeChat shows the payloads its adapter renders, for the dashboard's channel preview
(channels_adapters/preview.py): each customer-service message read back into a bubble, and
notes on where the channel falls back to a plainer form. It reads payloads only, so it cannot
drift from what is sent."""

from __future__ import annotations

from channels_adapters.messages import Carousel, QuickReplies
from channels_adapters.preview import Bubble, Choice, of_type, plural, shown_url
from channels_adapters.wechat.limits import MENU_ITEMS_MAX


def bubbles(payload: dict) -> list[Bubble]:
    kind = payload.get("msgtype")
    if kind == "msgmenu":
        menu = payload.get("msgmenu") or {}
        options = [Choice(item.get("content", "")) for item in menu.get("list", ())]
        return [Bubble(form="Menu message", text=menu.get("head_content", ""), buttons=options)]
    if kind == "news":
        articles = (payload.get("news") or {}).get("articles") or [{}]
        article = articles[0]
        return [
            Bubble(
                form="News card",
                title=article.get("title", ""),
                text=article.get("description", ""),
                image_url=shown_url(article.get("picurl", "")),
                buttons=[Choice("", url=article.get("url", ""))] if article.get("url") else [],
            )
        ]
    return [Bubble(form="Text", text=(payload.get("text") or {}).get("content", ""))]


def fallback_notes(messages, payloads) -> list[str]:
    notes = []
    for question in of_type(messages, QuickReplies):
        links = [option for option in question.options if option.url]
        taps = len(question.options) - len(links)
        if taps > MENU_ITEMS_MAX:
            notes.append(f"{plural(taps, 'choice')} → menu messages of {MENU_ITEMS_MAX}.")
        if links:
            notes.append(f"{plural(len(links), 'link')} → a text, each label above its URL.")
    for carousel in of_type(messages, Carousel):
        if len(carousel.cards) > 1:
            notes.append(
                f"{plural(len(carousel.cards), 'card')} → one menu message, a line per product "
                "(WeChat allows a few messages per shopper message)."
            )
    return notes
