"""/dashboard/channels/: the shop's connected accounts, connecting one, disconnecting one.

Connecting and disconnecting go through channels_adapters.setup, the services the API uses:
the credentials are checked with the platform before anything is stored.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters

from channels_adapters import base, registry, selectors, setup
from channels_adapters.dashboard_forms import connect_form, connectable
from channels_adapters.models import ChannelAccount
from shops.dashboard_access import dashboard_view
from shops.tenancy import get_for_shop_or_404

logger = logging.getLogger(__name__)

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
    # A channel may draw its own section for its account (the web chat: its page's link and
    # the widget's snippet) instead of a row among the connected accounts.
    sections, listed = [], []
    for row in rows:
        section = registry.adapter_for(row.account.kind).channels_page_section(request, row)
        if section is None:
            listed.append(row)
        else:
            template, context = section
            sections.append(render_to_string(template, context, request=request))
    return render(
        request,
        "channels_adapters/dashboard/channel_list.html",
        {"sections": sections, "rows": listed, "connectable": connectable()},
    )


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
        undone = setup.channel_disconnect(account=account)
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
    if not undone:
        platform = registry.label(account.kind)
        messages.warning(
            request,
            f"{platform} refused to remove what Souk had set on the account (a webhook, a "
            f"menu): if it is still there, remove it in {platform}'s own settings.",
        )
    return redirect(reverse("dashboard:channel_list"))
