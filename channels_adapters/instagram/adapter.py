"""Instagram Direct through the Messenger API for Instagram (Facebook Login).

Why that API and not the Instagram API with Instagram Login (graph.instagram.com): it uses the
Page access token of the Facebook Page linked to the Instagram professional account, which does
not expire (Instagram Login's user tokens last 60 days and must be refreshed), the same Meta app
(so the same `META_APP_SECRET` signs both webhooks) and the same `META_GRAPH_URL` as Messenger.
Sending is `POST /me/messages` with that token (docs/channels.md, "Instagram").

Reading webhooks: webhook.py; rendering within Instagram's limits: render.py; connecting
(token check, ice breakers): connect.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils.translation import gettext

from channels_adapters import meta
from channels_adapters.base import (
    TAG_HUMAN_AGENT,
    AccountContext,
    Capabilities,
    ChannelAdapter,
    RawEvent,
    ReplyWindow,
    SendResult,
    span,
)
from channels_adapters.instagram.connect import Connected, InstagramConnect, instagram_connect
from channels_adapters.instagram.errors import ERROR_RULES
from channels_adapters.instagram.render import instagram_render
from channels_adapters.instagram.webhook import instagram_parse, instagram_split
from channels_adapters.messages import InboundEvent, OutboundMessage

# The standard messaging window, and how long after it a person may still answer with the
# HUMAN_AGENT tag (Instagram messaging policy).
STANDARD_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
# Instagram takes one message tag: HUMAN_AGENT. Messenger's POST_PURCHASE_UPDATE does not
# exist here, so order news after 24 hours is refused by Instagram (window_closed).
MESSAGE_TAGS = {TAG_HUMAN_AGENT: "HUMAN_AGENT"}


class InstagramAdapter(InstagramConnect, ChannelAdapter):
    kind = "instagram"
    capabilities = Capabilities(
        reply_window=True, location_sharing=False, native_invoice=False, numbered_menus=False
    )
    # 300 Send API calls a second per Instagram professional account for text and links
    # (Messenger Platform rate limits, "Messenger API for Instagram").
    rate_per_second = 300.0

    def preview_bubbles(self, payload: dict) -> list:
        from channels_adapters.instagram import preview

        return preview.bubbles(payload)

    def preview_notes(self, messages: list[OutboundMessage], payloads: list[dict]) -> list[str]:
        from channels_adapters.instagram import preview

        return preview.fallback_notes(messages, payloads)

    def split(self, body: dict) -> list[RawEvent]:
        return instagram_split(body)

    def parse(self, payload: dict) -> list[InboundEvent]:
        return instagram_parse(payload)

    def render(self, message: OutboundMessage) -> list[dict]:
        payloads = instagram_render(message)
        return self.unrenderable(message) if payloads is None else payloads

    def connect(self, credentials: dict, *, language: str = "en") -> Connected:
        return instagram_connect(credentials, language=language)

    def reply_window(self, last_inbound_at: datetime | None, now: datetime) -> ReplyWindow:
        if last_inbound_at is None:
            return ReplyWindow(
                open=False,
                explanation=gettext(
                    "Instagram: the shopper has not written yet, and Instagram lets a business "
                    "answer only people who wrote to it."
                ),
            )
        quiet = now - last_inbound_at
        if quiet < STANDARD_WINDOW:
            closes_at = last_inbound_at + STANDARD_WINDOW
            return ReplyWindow(
                open=True,
                closes_at=closes_at,
                explanation=gettext("Instagram: within the 24-hour window (it closes in %(left)s).")
                % {"left": span(closes_at - now)},
            )
        closes_at = last_inbound_at + HUMAN_AGENT_WINDOW
        if quiet < HUMAN_AGENT_WINDOW:
            return ReplyWindow(
                open=True,
                tag=TAG_HUMAN_AGENT,
                closes_at=closes_at,
                explanation=gettext(
                    "Instagram: the 24-hour window closed %(ago)s ago; your reply is sent with "
                    "the HUMAN_AGENT tag, allowed for 7 days after the shopper's last message."
                )
                % {"ago": span(quiet - STANDARD_WINDOW)},
            )
        return ReplyWindow(
            open=False,
            closes_at=closes_at,
            explanation=gettext(
                "Instagram: the shopper last wrote %(ago)s ago; after 7 days Instagram allows "
                "no reply until they write again."
            )
            % {"ago": span(quiet)},
        )

    def tagged(self, payloads: list[dict], tag: str) -> list[dict]:
        """A person's late answer (up to 7 days) goes with HUMAN_AGENT; Instagram has no other
        tag, so anything else is sent as it is and Instagram judges it."""
        name = MESSAGE_TAGS.get(tag)
        if name is None:
            return payloads
        return [{**payload, "messaging_type": "MESSAGE_TAG", "tag": name} for payload in payloads]

    def send(self, account: AccountContext, recipient: str, payload: dict) -> SendResult:
        body = meta.graph_post(
            "me/messages",
            json={"recipient": {"id": recipient}, **payload},
            rules=ERROR_RULES,
            access_token=account.credentials.get("access_token", ""),
        )
        return SendResult(platform_message_id=str(body.get("message_id", "")))
