"""The inbox pages: the conversation list (filters, counts, search), one conversation (its
transcript as the shopper saw it, with the team's notes) and the actions on it (take over,
hand back, assign, resolve / reopen, labels, notes). The composer and the commerce sidebar
are regions of the conversation page served by their own modules (composer_views,
sidebar_views); live updates come from shops/live.py through static/dashboard/inbox.js."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse

from conversations import inbox_selectors as selectors
from conversations import inbox_services as services
from conversations.inbox_forms import AssignForm, InboxFilterForm, LabelsForm, NoteForm
from conversations.models import Conversation
from conversations.people import person_label
from conversations.presence import online_user_ids, presence_touch, viewer_ids
from conversations.transcript import transcript
from shops.dashboard_access import dashboard_view
from shops.tenancy import get_for_shop_or_404

PAGE_SIZE = 25
THREAD_SIZE = 150
# Query-string keys of the list that the conversation page carries along (back link, j/k).
LIST_KEYS = ("q", "status", "channel", "assigned", "label", "needs", "page")


def _list_query(request: HttpRequest) -> str:
    kept = QueryDict(mutable=True)
    for key in LIST_KEYS:
        value = request.GET.get(key, "")
        if value:
            kept[key] = value[:100]
    return kept.urlencode()


def _conversation(request: HttpRequest, conversation_id: int) -> Conversation:
    return get_for_shop_or_404(
        selectors.inbox_conversation(shop=request.shop), shop=request.shop, pk=conversation_id
    )


# --- The list -----------------------------------------------------------------------------------


def _list_context(request: HttpRequest, current_id: int | None = None) -> dict:
    shop, user = request.shop, request.user
    channels = selectors.inbox_channels(shop=shop)
    members = selectors.team_members(shop=shop)
    labels = list(selectors.label_list(shop=shop))
    form = InboxFilterForm(request.GET, channels=channels, members=members, labels=labels)
    filters = form.filters()
    counts = selectors.inbox_counts(
        shop=shop, filters=filters, user=user, channels=channels, members=members, labels=labels
    )
    form.show_counts(counts, user)
    rows = selectors.inbox_conversations(shop=shop, filters=filters, user=user)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    presence_touch(shop_id=shop.pk, user_id=user.pk)
    query = _list_query(request)
    return {
        "form": form,
        "filters": filters,
        "counts": counts,
        "page": page,
        "conversations": list(page.object_list),
        "list_query": query,
        "current_id": current_id,
        "list_url": reverse("dashboard:inbox_list") + (f"?{query}" if query else ""),
        "narrowed": any((filters.query, filters.channel_id, filters.needs_person, filters.assigned))
        or filters.label_id
        or filters.status != "open",
    }


@dashboard_view("inbox.use")
def inbox(request):
    return render(request, "conversations/inbox/inbox.html", _list_context(request))


@dashboard_view("inbox.use")
def inbox_list(request):
    """The list column alone (the conversation page loads it; live updates refresh it).
    `current` names the open conversation, highlighted in the list."""
    current = request.GET.get("current", "")
    context = _list_context(request, int(current) if current.isdigit() else None)
    return render(request, "conversations/inbox/_list_column.html", context)


@dashboard_view("inbox.use")
def inbox_online(request):
    """Who of the team is online (the list page asks every minute, which keeps its reader
    counted as online too)."""
    presence_touch(shop_id=request.shop.pk, user_id=request.user.pk)
    members = selectors.team_members(shop=request.shop)
    online = online_user_ids(shop_id=request.shop.pk, user_ids=[m.user_id for m in members])
    names = [person_label(m.user) for m in members if m.user_id in online]
    return render(request, "conversations/inbox/_online.html", {"online": names})


# --- One conversation ---------------------------------------------------------------------------


def _thread_context(request: HttpRequest, conversation: Conversation, *, read: bool) -> dict:
    """The transcript (latest THREAD_SIZE messages with the notes since the first of them),
    marking the conversation read when someone is reading it."""
    if read:
        services.conversation_mark_read(conversation=conversation)
    shown = selectors.inbox_messages(conversation=conversation, limit=THREAD_SIZE)
    since = shown[0].created_at if len(shown) == THREAD_SIZE else None
    notes = selectors.inbox_notes(conversation=conversation, since=since)
    return {
        "conversation": conversation,
        "entries": transcript(messages=shown, notes=notes, shop=request.shop),
        "truncated": since is not None,
    }


def _viewers(request: HttpRequest, conversation: Conversation, members) -> list[str]:
    """Teammates who had this conversation open in the last minute (not the reader)."""
    presence_touch(
        shop_id=request.shop.pk, user_id=request.user.pk, conversation_id=conversation.pk
    )
    others = {m.user_id: m.user for m in members if m.user_id != request.user.pk}
    viewing = viewer_ids(conversation_id=conversation.pk, user_ids=list(others))
    return [person_label(others[user_id]) for user_id in sorted(viewing)]


def _head_context(request: HttpRequest, conversation: Conversation, members) -> dict:
    """What the conversation's header needs (it is also refreshed live)."""
    return {
        "list_query": _list_query(request),
        "conversation_labels": list(conversation.labels.all()),
        "assign_form": AssignForm(
            members=members, initial={"assignee": str(conversation.assigned_to_id or "")}
        ),
    }


@dashboard_view("inbox.use")
def inbox_conversation(request, conversation_id: int):
    conversation = _conversation(request, conversation_id)
    members = selectors.team_members(shop=request.shop)
    labels = selectors.label_list(shop=request.shop)
    context = _thread_context(request, conversation, read=True)
    context.update(_head_context(request, conversation, members))
    query = context["list_query"]
    list_url = reverse("dashboard:inbox_list") + f"?current={conversation.pk}"
    thread_url = reverse("dashboard:inbox_thread", kwargs={"conversation_id": conversation.pk})
    context.update(
        {
            "list_url": list_url + (f"&{query}" if query else ""),
            "thread_url": thread_url + (f"?{query}" if query else ""),
            "back_url": reverse("dashboard:inbox") + (f"?{query}" if query else ""),
            "viewers": _viewers(request, conversation, members),
            "labels_form": LabelsForm(
                labels=labels, initial={"labels": context["conversation_labels"]}
            ),
            "has_labels": bool(labels),
            "note_form": NoteForm(),
        }
    )
    return render(request, "conversations/inbox/conversation.html", context)


@dashboard_view("inbox.use")
def inbox_thread(request, conversation_id: int):
    """The transcript and the conversation's header, for live refreshes. Marks the
    conversation read only with `read=1`: the page asks so while it is in view, not from a
    tab in the background."""
    conversation = _conversation(request, conversation_id)
    members = selectors.team_members(shop=request.shop)
    context = _thread_context(request, conversation, read=request.GET.get("read") == "1")
    context.update(_head_context(request, conversation, members))
    return render(request, "conversations/inbox/_thread_refresh.html", context)


@dashboard_view("inbox.use")
def inbox_presence(request, conversation_id: int):
    """Pinged every 15 s by the open conversation: says who else is looking at it."""
    conversation = _conversation(request, conversation_id)
    members = selectors.team_members(shop=request.shop)
    viewers = _viewers(request, conversation, members)
    return render(request, "conversations/inbox/_presence.html", {"viewers": viewers})


# --- Actions (POST, then back to the conversation) -----------------------------------------------


def _back(request: HttpRequest, conversation: Conversation):
    url = reverse("dashboard:inbox_conversation", kwargs={"conversation_id": conversation.pk})
    query = _list_query(request)
    return redirect(url + (f"?{query}" if query else ""))


@dashboard_view(None, post="inbox.use")
def inbox_take_over(request, conversation_id: int):
    conversation = _conversation(request, conversation_id)
    services.conversation_take_over(conversation=conversation, user=request.user)
    messages.success(
        request, "You have the conversation: the bot stays silent until you hand it back."
    )
    return _back(request, conversation)


@dashboard_view(None, post="inbox.use")
def inbox_hand_back(request, conversation_id: int):
    conversation = _conversation(request, conversation_id)
    services.conversation_give_back(conversation=conversation, by=request.user)
    messages.success(request, "Handed back: the bot answers the shopper's next message.")
    return _back(request, conversation)


@dashboard_view(None, post="inbox.use")
def inbox_assign(request, conversation_id: int):
    conversation = _conversation(request, conversation_id)
    form = AssignForm(request.POST, members=selectors.team_members(shop=request.shop))
    if not form.is_valid():
        messages.error(request, "Choose someone of the team, or nobody.")
        return _back(request, conversation)
    assignee = form.chosen()
    services.conversation_assign(conversation=conversation, assignee=assignee, by=request.user)
    if assignee is None:
        messages.success(request, "The conversation is assigned to nobody.")
    else:
        messages.success(request, f"Assigned to {person_label(assignee)}.")
    return _back(request, conversation)


@dashboard_view(None, post="inbox.use")
def inbox_resolve(request, conversation_id: int):
    conversation = _conversation(request, conversation_id)
    services.conversation_resolve(conversation=conversation, by=request.user)
    messages.success(request, "Resolved. The bot answers the shopper's next message.")
    return _back(request, conversation)


@dashboard_view(None, post="inbox.use")
def inbox_reopen(request, conversation_id: int):
    conversation = _conversation(request, conversation_id)
    services.conversation_reopen(conversation=conversation, by=request.user)
    messages.success(request, "Reopened.")
    return _back(request, conversation)


@dashboard_view(None, post="inbox.use")
def inbox_labels(request, conversation_id: int):
    conversation = _conversation(request, conversation_id)
    form = LabelsForm(request.POST, labels=selectors.label_list(shop=request.shop))
    if not form.is_valid():
        messages.error(request, "Those labels no longer exist; choose again.")
        return _back(request, conversation)
    services.conversation_labels_set(
        conversation=conversation, labels=list(form.cleaned_data["labels"]), by=request.user
    )
    messages.success(request, "Labels saved.")
    return _back(request, conversation)


@dashboard_view(None, post="inbox.use")
def inbox_note_add(request, conversation_id: int):
    conversation = _conversation(request, conversation_id)
    form = NoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Write the note first (at most 4000 characters).")
        return _back(request, conversation)
    services.conversation_note_add(
        conversation=conversation, author=request.user, text=form.cleaned_data["text"]
    )
    messages.success(request, "Note added. Only your team sees it.")
    return _back(request, conversation)
