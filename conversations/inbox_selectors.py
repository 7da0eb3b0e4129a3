"""Reads of the inbox: the conversation list with its filters and the count behind each filter,
one conversation with its transcript (messages and private notes), the team, labels and
canned replies."""

import re
from dataclasses import dataclass, field

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)

from channels_adapters.models import ChannelAccount
from conversations.models import (
    CannedReply,
    Conversation,
    ConversationNote,
    ConversationStatus,
    InboxSettings,
    Label,
    Message,
)
from shops.models import Membership, Shop

# The shopper wrote after the team last opened the conversation.
UNREAD = Q(last_message_at__isnull=False) & (
    Q(agent_last_seen_at__isnull=True) | Q(last_message_at__gt=F("agent_last_seen_at"))
)
STATUSES = ("open", "resolved", "all")


@dataclass(frozen=True)
class InboxFilters:
    """What the list shows. `assigned`: "" anyone, "me", "none", or a teammate's user id."""

    status: str = ConversationStatus.OPEN
    channel_id: int | None = None
    needs_person: bool = False
    assigned: str = ""
    label_id: int | None = None
    query: str = ""


def _status_q(status: str) -> Q:
    return Q() if status == "all" else Q(status=status)


def _assigned_q(assigned: str, user) -> Q:
    if assigned == "me":
        return Q(assigned_to=user)
    if assigned == "none":
        return Q(assigned_to__isnull=True)
    if assigned.isdigit():
        return Q(assigned_to_id=int(assigned))
    return Q()


def _search_q(query: str) -> Q:
    """Customer name, phone (digits, however they were typed) or any message's text."""
    text = query.strip()
    if not text:
        return Q()
    said = Message.objects.filter(conversation=OuterRef("pk"), text__icontains=text)
    found = Q(customer__name__icontains=text) | Q(Exists(said))
    digits = re.sub(r"\D", "", text)
    if len(digits) >= 3 and len(digits) >= len(text.replace(" ", "")) - 2:
        # "06 12 34…" finds "+33612 34…": a national number without its trunk 0.
        digits = digits.lstrip("0") or digits
        found |= Q(customer__phone__contains=digits) | Q(identity__external_id__contains=digits)
    else:
        found |= Q(customer__phone__icontains=text)
    return found


def inbox_base(*, shop: Shop, query: str = "") -> QuerySet[Conversation]:
    """The shop's conversations matching the search, before any filter."""
    return Conversation.objects.for_shop(shop).filter(_search_q(query))


def inbox_conversations(*, shop: Shop, filters: InboxFilters, user) -> QuerySet[Conversation]:
    """The list: unread first, then the shopper's latest message first. Each row carries
    `unread`, `last_text` and `last_direction` (the latest message), its customer, channel
    and assignee, and its labels (one more query for the page)."""
    latest = Message.objects.filter(conversation=OuterRef("pk")).order_by("-id")
    rows = inbox_base(shop=shop, query=filters.query).filter(
        _status_q(filters.status), _assigned_q(filters.assigned, user)
    )
    if filters.channel_id:
        rows = rows.filter(channel_id=filters.channel_id)
    if filters.needs_person:
        rows = rows.filter(handed_off=True)
    if filters.label_id:
        rows = rows.filter(labels__id=filters.label_id)
    return (
        rows.select_related("customer", "channel", "assigned_to")
        .prefetch_related("labels")
        .annotate(
            unread=ExpressionWrapper(UNREAD, output_field=BooleanField()),
            last_text=Subquery(latest.values("text")[:1]),
            last_direction=Subquery(latest.values("direction")[:1]),
        )
        .order_by(F("unread").desc(), F("last_message_at").desc(nulls_last=True), "-id")
    )


@dataclass
class InboxCounts:
    """How many conversations each filter would show, within the chosen status (statuses
    themselves across all) and the search."""

    statuses: dict[str, int] = field(default_factory=dict)
    unread: int = 0
    needs_person: int = 0
    mine: int = 0
    unassigned: int = 0
    channels: dict[int, int] = field(default_factory=dict)
    members: dict[int, int] = field(default_factory=dict)
    labels: dict[int, int] = field(default_factory=dict)


def inbox_counts(
    *,
    shop: Shop,
    filters: InboxFilters,
    user,
    channels: list[ChannelAccount],
    members: list[Membership],
    labels: list[Label],
) -> InboxCounts:
    """Every count in one aggregate query over the shop's conversations."""
    within = _status_q(filters.status)
    counts = {
        "open": Count("pk", filter=Q(status=ConversationStatus.OPEN)),
        "resolved": Count("pk", filter=Q(status=ConversationStatus.RESOLVED)),
        "all": Count("pk"),
        "unread": Count("pk", filter=within & UNREAD),
        "needs_person": Count("pk", filter=within & Q(handed_off=True)),
        "mine": Count("pk", filter=within & Q(assigned_to=user)),
        "unassigned": Count("pk", filter=within & Q(assigned_to__isnull=True)),
    }
    for channel in channels:
        counts[f"channel_{channel.pk}"] = Count("pk", filter=within & Q(channel_id=channel.pk))
    for membership in members:
        counts[f"member_{membership.user_id}"] = Count(
            "pk", filter=within & Q(assigned_to_id=membership.user_id)
        )
    for label in labels:
        tagged = Label.conversations.through.objects.filter(
            conversation=OuterRef("pk"), label_id=label.pk
        )
        counts[f"label_{label.pk}"] = Count("pk", filter=within & Q(Exists(tagged)))
    totals = inbox_base(shop=shop, query=filters.query).aggregate(**counts)
    return InboxCounts(
        statuses={status: totals[status] for status in STATUSES},
        unread=totals["unread"],
        needs_person=totals["needs_person"],
        mine=totals["mine"],
        unassigned=totals["unassigned"],
        channels={channel.pk: totals[f"channel_{channel.pk}"] for channel in channels},
        members={m.user_id: totals[f"member_{m.user_id}"] for m in members},
        labels={label.pk: totals[f"label_{label.pk}"] for label in labels},
    )


def inbox_conversation(*, shop: Shop) -> QuerySet[Conversation]:
    """Pick one with get_for_shop_or_404."""
    return Conversation.objects.for_shop(shop).select_related(
        "customer", "channel", "identity", "assigned_to"
    )


def inbox_messages(*, conversation: Conversation, limit: int) -> list[Message]:
    """The latest `limit` messages, oldest first, with their delivery and author."""
    rows = (
        Message.objects.filter(shop_id=conversation.shop_id, conversation=conversation)
        .select_related("outbound", "author")
        .order_by("-id")[:limit]
    )
    return list(reversed(rows))


def inbox_notes(*, conversation: Conversation, since=None) -> list[ConversationNote]:
    notes = ConversationNote.objects.filter(
        shop_id=conversation.shop_id, conversation=conversation
    ).select_related("author")
    if since is not None:
        notes = notes.filter(created_at__gte=since)
    return list(notes.order_by("id"))


def inbox_channels(*, shop: Shop) -> list[ChannelAccount]:
    return list(ChannelAccount.objects.for_shop(shop).order_by("kind", "name", "id"))


def team_members(*, shop: Shop) -> list[Membership]:
    """Who a conversation can be assigned to, by name."""
    return list(
        Membership.objects.for_shop(shop)
        .select_related("user")
        .order_by("user__full_name", "user__email", "id")
    )


def label_list(*, shop: Shop) -> QuerySet[Label]:
    return Label.objects.for_shop(shop).order_by("name", "id")


def canned_reply_list(*, shop: Shop, prefix: str = "") -> QuerySet[CannedReply]:
    """The shop's canned replies by shortcut; `prefix` ("del" for "/del") narrows them."""
    replies = CannedReply.objects.for_shop(shop)
    prefix = prefix.strip().lstrip("/").lower()
    if prefix:
        replies = replies.filter(shortcut__startswith=prefix)
    return replies.order_by("shortcut", "id")


def inbox_settings_for(*, shop: Shop) -> InboxSettings:
    """The shop's settings, unsaved defaults when it has none yet."""
    return InboxSettings.objects.filter(shop=shop).first() or InboxSettings(shop=shop)
