"""The inbox's settings page: canned replies, labels and business hours. Everyone who uses the
inbox may read it (agents learn the shortcuts there); managers and owners change it."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse

from conversations import inbox_selectors as selectors
from conversations import inbox_services as services
from conversations.inbox_forms import CannedReplyForm, HoursForm, LabelForm
from conversations.models import CannedReply, Label
from shops.dashboard_access import dashboard_view
from shops.tenancy import get_for_shop_or_404

MANAGE = "channels.manage"


def _settings_page(request, *, canned_form=None, label_form=None, hours_form=None, status=200):
    shop = request.shop
    settings = selectors.inbox_settings_for(shop=shop)
    hours_form = hours_form or HoursForm(
        initial=HoursForm.initial_from(settings.hours, settings.away_message)
    )
    context = {
        "canned_replies": list(selectors.canned_reply_list(shop=shop)),
        "labels": list(selectors.label_list(shop=shop)),
        "canned_form": canned_form or CannedReplyForm(shop=shop),
        "label_form": label_form or LabelForm(shop=shop),
        "hours_form": hours_form,
        "timezone": shop.timezone,
    }
    return render(request, "conversations/inbox/settings.html", context, status=status)


@dashboard_view("inbox.use", post=MANAGE)
def canned_reply_list(request):
    """The settings page; POST adds a canned reply."""
    if request.method != "POST":
        return _settings_page(request)
    form = CannedReplyForm(request.POST, shop=request.shop)
    if not form.is_valid():
        return _settings_page(request, canned_form=form, status=400)
    reply = services.canned_reply_create(shop=request.shop, **form.cleaned_data)
    messages.success(request, f"Canned reply {reply} added.")
    return redirect("dashboard:canned_reply_list")


@dashboard_view(MANAGE, post=MANAGE)
def canned_reply_edit(request, canned_reply_id: int):
    reply = get_for_shop_or_404(CannedReply.objects, shop=request.shop, pk=canned_reply_id)
    form = CannedReplyForm(request.POST or None, instance=reply, shop=request.shop)
    if request.method == "POST" and form.is_valid():
        services.canned_reply_update(reply=reply, **form.cleaned_data)
        messages.success(request, f"Canned reply {reply} saved.")
        return redirect("dashboard:canned_reply_list")
    return render(
        request,
        "conversations/inbox/settings_edit.html",
        {
            "form": form,
            "title": f"Canned reply /{reply.shortcut}",
            "delete_url": reverse(
                "dashboard:inbox_canned_delete", kwargs={"canned_reply_id": reply.pk}
            ),
            "delete_confirm": f"Delete the canned reply /{reply.shortcut}?",
        },
        status=400 if form.errors else 200,
    )


@dashboard_view(None, post=MANAGE)
def canned_reply_delete(request, canned_reply_id: int):
    reply = get_for_shop_or_404(CannedReply.objects, shop=request.shop, pk=canned_reply_id)
    name = str(reply)
    services.canned_reply_delete(reply=reply)
    messages.success(request, f"Canned reply {name} deleted.")
    return redirect("dashboard:canned_reply_list")


@dashboard_view(None, post=MANAGE)
def inbox_label_create(request):
    form = LabelForm(request.POST, shop=request.shop)
    if not form.is_valid():
        return _settings_page(request, label_form=form, status=400)
    label = services.label_create(shop=request.shop, **form.cleaned_data)
    messages.success(request, f"Label “{label.name}” added.")
    return redirect("dashboard:canned_reply_list")


@dashboard_view(MANAGE, post=MANAGE)
def inbox_label_edit(request, label_id: int):
    label = get_for_shop_or_404(Label.objects, shop=request.shop, pk=label_id)
    form = LabelForm(request.POST or None, instance=label, shop=request.shop)
    if request.method == "POST" and form.is_valid():
        services.label_update(label=label, **form.cleaned_data)
        messages.success(request, f"Label “{label.name}” saved.")
        return redirect("dashboard:canned_reply_list")
    return render(
        request,
        "conversations/inbox/settings_edit.html",
        {
            "form": form,
            "title": f"Label “{label.name}”",
            "delete_url": reverse("dashboard:inbox_label_delete", kwargs={"label_id": label.pk}),
            "delete_confirm": (
                f"Delete the label “{label.name}”? It is taken off every conversation."
            ),
        },
        status=400 if form.errors else 200,
    )


@dashboard_view(None, post=MANAGE)
def inbox_label_delete(request, label_id: int):
    label = get_for_shop_or_404(Label.objects, shop=request.shop, pk=label_id)
    name = label.name
    services.label_delete(label=label)
    messages.success(request, f"Label “{name}” deleted; conversations keep everything else.")
    return redirect("dashboard:canned_reply_list")


@dashboard_view(None, post=MANAGE)
def inbox_hours(request):
    form = HoursForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, hours_form=form, status=400)
    services.inbox_settings_save(
        shop=request.shop, hours=form.hours(), away_message=form.cleaned_data["away_message"]
    )
    messages.success(request, "Business hours saved.")
    return redirect("dashboard:canned_reply_list")
