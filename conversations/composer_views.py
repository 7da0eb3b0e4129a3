"""The inbox's composer: what the channel's rules allow right now, above a reply box (or a
WhatsApp template picker when only a template may go), loaded into the conversation page with
htmx and also usable as a page of its own without JavaScript.

A reply is sent by conversations.composer.conversation_reply (the API's reply too): refused
replies come back as form errors with nothing sent; a sent one clears the composer and fires
`souk:composer-sent` so the transcript refreshes.
"""

import json

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse

from channels_adapters.base import PERMANENT_REJECTED
from conversations import composer
from conversations.composer_forms import CANNED_HELP, ReplyForm, TemplateReplyForm
from conversations.models import Conversation
from shops.dashboard_access import dashboard_view
from shops.money import minor_unit_exponent
from shops.tenancy import get_for_shop_or_404

PARTIAL = "conversations/inbox/_composer.html"
PAGE = "conversations/inbox/_composer_page.html"


def _conversation(request, conversation_id: int) -> Conversation:
    return get_for_shop_or_404(
        Conversation.objects.select_related("channel", "customer", "identity"),
        shop=request.shop,
        pk=conversation_id,
    )


def _context(request, conversation, *, form=None, template_form=None, sent=False) -> dict:
    window = composer.conversation_reply_window(conversation=conversation)
    templates = composer.reply_templates(conversation=conversation) if window.template_only else []
    if template_form is None and templates:
        template_form = TemplateReplyForm(templates=templates)
    text = (form["text"].value() or "") if form is not None else ""
    shop = request.shop
    # On a channel that bills per message, the counter under the text (the adapter's line;
    # static/dashboard/composer.js recounts with the unit cost as the agent types).
    cost = composer.reply_cost(conversation=conversation, text=text, shop=shop)
    return {
        "conversation": conversation,
        "window": window,
        "form": form or ReplyForm(),
        "template_form": template_form,
        "templates": templates,
        "canned": composer.canned_replies(shop=shop) if window.open else [],
        "canned_help": CANNED_HELP,
        "cost": cost,
        "cost_exponent": minor_unit_exponent(shop.currency),
        "opted_out": conversation.opted_out,
        "opted_out_text": composer.OPTED_OUT,
        "sent": sent,
        "conversation_url": _conversation_url(conversation),
    }


def _conversation_url(conversation: Conversation) -> str:
    try:
        return reverse("dashboard:inbox_conversation", kwargs={"conversation_id": conversation.pk})
    except NoReverseMatch:  # the inbox pages are mounted by another module
        return ""


def _render(request, context: dict) -> HttpResponse:
    return render(request, PARTIAL if request.htmx else PAGE, context)


@dashboard_view("inbox.use")
def composer_view(request, conversation_id: int):
    conversation = _conversation(request, conversation_id)
    return _render(request, _context(request, conversation))


@dashboard_view(None, post="inbox.use")
def reply(request, conversation_id: int):
    conversation = _conversation(request, conversation_id)
    if request.POST.get("mode") == "template":
        templates = composer.reply_templates(conversation=conversation)
        form, template_form = None, TemplateReplyForm(request.POST, templates=templates)
        bound = template_form
    else:
        form, template_form = ReplyForm(request.POST), None
        bound = form
    if bound.is_valid():
        try:
            if template_form is not None:
                template, params = template_form.chosen()
                sent = composer.conversation_reply(
                    conversation=conversation, author=request.user, template=template, params=params
                )
            else:
                sent = composer.conversation_reply(
                    conversation=conversation, author=request.user, text=form.cleaned_data["text"]
                )
        except composer.ReplyRefused as exc:
            field = "text" if form is not None and exc.code == PERMANENT_REJECTED else None
            bound.add_error(field, str(exc))
        else:
            return _sent(request, conversation, sent)
    context = _context(request, conversation, form=form, template_form=template_form)
    return _render(request, context)


def _sent(request, conversation: Conversation, sent) -> HttpResponse:
    if not request.htmx:
        messages.success(request, "Reply queued: its delivery shows in the conversation.")
        url = _conversation_url(conversation) or reverse(
            "dashboard:inbox_composer", kwargs={"conversation_id": conversation.pk}
        )
        return redirect(url)
    response = render(request, PARTIAL, _context(request, conversation, sent=True))
    # Listened to by the transcript (it refreshes) and by composer.js; bubbles to document.
    response["HX-Trigger"] = json.dumps(
        {
            "souk:composer-sent": {
                "conversation_id": conversation.pk,
                "message_id": sent.pk if sent else None,
            }
        }
    )
    return response
