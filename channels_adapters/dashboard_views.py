"""/dashboard/channels/: the shop's connected accounts, connecting one, disconnecting one.

Connecting and disconnecting go through channels_adapters.setup, the services the API uses:
the credentials are checked with the platform before anything is stored.
"""

import logging
import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.views.decorators.debug import sensitive_post_parameters
from PIL import Image

from channels_adapters import base, registry, selectors, setup
from channels_adapters.dashboard_forms import connect_form, connectable
from channels_adapters.models import ChannelAccount
from shops.dashboard_access import dashboard_view
from shops.tenancy import get_for_shop_or_404

logger = logging.getLogger(__name__)

WIDGET_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_WIDGET_COLOR = "#8a4b08"  # the web chat's own accent

FAILURES_SHOWN_FOR = timedelta(days=7)
# What a failed send's code means for the brand (base.PERMANENT_*).
FAILURE_REASONS = {
    base.PERMANENT_BLOCKED: "the shopper blocked the account",
    base.PERMANENT_WINDOW_CLOSED: "the platform's reply window had closed",
    base.PERMANENT_INVALID_RECIPIENT: "the recipient does not exist on the platform",
    base.PERMANENT_OPTED_OUT: "the shopper opted out (STOP)",
    base.PERMANENT_BAD_CREDENTIALS: "the platform refused the credentials: connect it again",
    base.PERMANENT_REJECTED: "the platform refused the message",
}


@dataclass
class ChannelRow:
    account: ChannelAccount
    webhook_url: str
    webhook_help: str

    @property
    def is_built_in(self) -> bool:
        return registry.is_built_in(self.account.kind)

    @property
    def failure_reason(self) -> str:
        return FAILURE_REASONS.get(self.account.failed_send_code, "")

    @property
    def disconnect_warning(self) -> str:
        return (
            f"Disconnect {self.account}? Shoppers who write to it will stop getting replies, "
            "and it has to be connected again with its credentials to come back."
        )


def _webhook_help(kind: str) -> str:
    guide = registry.adapter_for(kind).connect_guide
    return guide.webhook_help if guide else ""


@dashboard_view("channels.manage")
def channel_list(request):
    setup.built_in_channels(shop=request.shop)  # every shop has them, made on first use
    since = timezone.now() - FAILURES_SHOWN_FOR
    accounts = selectors.channel_overview(shop=request.shop, failures_since=since)
    rows = [
        ChannelRow(account, setup.webhook_url(account), _webhook_help(account.kind))
        for account in accounts
    ]
    # The built-in channel is the shop's web chat: its page, link and widget are shown apart.
    webchat = next(row for row in rows if row.is_built_in)
    color = request.GET.get("color", "")
    color = color if WIDGET_COLOR.match(color) else logo_colour(request.shop)
    return render(
        request,
        "channels_adapters/dashboard/channel_list.html",
        {
            "rows": [row for row in rows if not row.is_built_in],
            "webchat": webchat,
            "chat_url": webchat.webhook_url,
            "embed_snippet": _embed_snippet(webchat.webhook_url, request.shop.language),
            "widget_snippet": _widget_snippet(request.shop, color),
            "widget_color": color,
            "connectable": connectable(),
        },
    )


def _widget_snippet(shop, color: str) -> str:
    # The script's stable address (a redirect to the fingerprinted file), on the public URL.
    src = settings.SOUK_PUBLIC_URL.rstrip("/") + reverse("webchat-widget")
    return (
        f'<script src="{escape(src)}" data-shop="{escape(shop.slug)}" '
        f'data-color="{escape(color)}" async></script>'
    )


def logo_colour(shop) -> str:
    """The shop's colour as its logo shows it: the most frequent vivid colour (neither near
    white, near black nor grey); the chat's default without a logo or a vivid colour."""
    if not shop.logo:
        return DEFAULT_WIDGET_COLOR
    try:
        with shop.logo.open("rb") as file, Image.open(file) as image:
            small = image.convert("RGB")
            small.thumbnail((64, 64))
            colours = small.quantize(colors=8).convert("RGB").getcolors(64 * 64) or []
    except (OSError, ValueError):
        return DEFAULT_WIDGET_COLOR
    for _count, (red, green, blue) in sorted(colours, reverse=True):
        brightest, darkest = max(red, green, blue), min(red, green, blue)
        if brightest > 40 and darkest < 225 and brightest - darkest > 60:
            return f"#{red:02x}{green:02x}{blue:02x}"
    return DEFAULT_WIDGET_COLOR


def _embed_snippet(chat_url: str, language: str) -> str:
    # For places a script cannot go (an e-mail, a bio): the full chat page in its own tab.
    label = "Discutez avec nous" if language == "fr" else "Chat with us"
    return f'<a href="{escape(chat_url)}" target="_blank" rel="noopener">{label}</a>'


@sensitive_post_parameters()  # every value: which ones are secrets is the adapter's
@dashboard_view("channels.manage", post="channels.manage")
def channel_connect(request, kind: str):
    form_class = connect_form(kind)
    if form_class is None:
        raise Http404("No such channel kind.")
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account = setup.channel_connect(shop=request.shop, **form.connect_kwargs())
        except setup.PlatformRefused as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            logger.info(
                "channel connected",
                extra={
                    "shop_id": request.shop.pk,
                    "channel_id": account.pk,
                    "kind": kind,
                    "user_id": request.user.pk,
                },
            )
            webhook_url = setup.webhook_url(account)
            messages.success(request, _connected_message(account, webhook_url))
            return redirect("dashboard:channel_list")
    return render(
        request,
        "channels_adapters/dashboard/channel_connect.html",
        {"form": form, "kind": kind},
    )


def _connected_message(account: ChannelAccount, webhook_url: str) -> str:
    done = f"{account} is connected."
    guide = registry.adapter_for(account.kind).connect_guide
    if guide and guide.connected_note:
        return f"{done} {guide.connected_note}"
    return f"{done} {_webhook_help(account.kind)} Webhook URL: {webhook_url}"


@dashboard_view(None, post="channels.manage")
def channel_disconnect(request, channel_id: int):
    account = get_for_shop_or_404(ChannelAccount.objects, shop=request.shop, pk=channel_id)
    described = str(account)
    try:
        setup.channel_disconnect(account=account)
    except ValidationError:
        messages.error(request, "The web chat is part of every shop: it cannot be disconnected.")
        return redirect("dashboard:channel_list")
    logger.info(
        "channel disconnected",
        extra={
            "shop_id": request.shop.pk,
            "channel_id": channel_id,
            "kind": account.kind,
            "user_id": request.user.pk,
        },
    )
    messages.success(request, f"{described} is disconnected: shoppers there no longer get replies.")
    return redirect(reverse("dashboard:channel_list"))
