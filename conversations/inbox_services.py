"""Writes of the inbox: take over, assign, resolve / reopen, labels, private notes, mark read,
and the shop's labels, canned replies and business hours.

Hand-off and hand-back themselves are conversations.services.conversation_hand_off/back (the
bot and the API use them too). Each change here records who did it in the transcript (a note
with `event`), tells open dashboards (a live event, written after commit) and integrators
(a `conversation.*` webhook event when that type exists)."""

from django.db import transaction
from django.utils import timezone

from conversations import services
from conversations.models import (
    CannedReply,
    Conversation,
    ConversationLabel,
    ConversationNote,
    ConversationStatus,
    InboxSettings,
    Label,
)
from conversations.people import person_label, person_public_name
from shops.events import EVENT_TYPES, event_emit
from shops.live import live_event
from shops.models import Shop, User


class NotATeamMember(ValueError):
    """A conversation can only be assigned to someone who works in its shop."""


def _changed(conversation: Conversation, change: str) -> None:
    live_event(
        shop_id=conversation.shop_id,
        kind="conversation.updated",
        data={"conversation_id": conversation.pk, "change": change},
    )


def _person(user: User | None) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "email": user.email, "name": person_public_name(user)}


def _webhook(conversation: Conversation, type: str, by: User | None, **data) -> None:
    # Types are declared in shops/events.py; one not declared there is not offered yet.
    if type not in EVENT_TYPES:
        return
    event_emit(
        shop=conversation.shop,
        type=type,
        data={
            "conversation_id": conversation.pk,
            "customer_id": conversation.customer_id,
            "channel": conversation.channel.kind,
            "by": _person(by),
            **data,
        },
    )


def _activity(conversation: Conversation, by: User | None, event: str, text: str = "") -> None:
    ConversationNote.objects.create(
        shop_id=conversation.shop_id, conversation=conversation, author=by, event=event, text=text
    )


def conversation_take_over(*, conversation: Conversation, user: User) -> Conversation:
    """`user` answers from now on: the bot stays silent, the conversation is theirs (and open
    again if it was resolved)."""
    with transaction.atomic():
        was_handed_off = conversation.handed_off
        services.conversation_hand_off(conversation=conversation)
        fields = []
        if conversation.assigned_to_id != user.pk:
            conversation.assigned_to = user
            fields.append("assigned_to")
        if conversation.status != ConversationStatus.OPEN:
            conversation.status, conversation.resolved_at = ConversationStatus.OPEN, None
            fields += ["status", "resolved_at"]
        if fields:
            conversation.save(update_fields=fields)
        if not was_handed_off or "assigned_to" in fields:
            _activity(conversation, user, "took_over")
        if "assigned_to" in fields:
            _webhook(conversation, "conversation.assigned", user, assignee=_person(user))
    if "assigned_to" in fields:
        _changed(conversation, "assigned")
    return conversation


def conversation_give_back(*, conversation: Conversation, by: User) -> Conversation:
    """Back to the bot, which answers the shopper's next message."""
    with transaction.atomic():
        services.conversation_hand_back(conversation=conversation, by=by)
        _activity(conversation, by, "handed_back")
    return conversation


def conversation_assign(
    *, conversation: Conversation, assignee: User | None, by: User
) -> Conversation:
    """To a teammate, to oneself, or to nobody (None). Raises NotATeamMember."""
    if assignee is not None and not assignee.memberships.filter(shop_id=conversation.shop_id):
        raise NotATeamMember("Only someone of this shop's team can be assigned.")
    if conversation.assigned_to_id == (assignee.pk if assignee else None):
        return conversation
    with transaction.atomic():
        conversation.assigned_to = assignee
        conversation.save(update_fields=["assigned_to"])
        _activity(conversation, by, "assigned", person_label(assignee))
        _webhook(conversation, "conversation.assigned", by, assignee=_person(assignee))
    _changed(conversation, "assigned")
    return conversation


def conversation_resolve(*, conversation: Conversation, by: User) -> Conversation:
    """Done: out of the open list, and back to the bot, which answers the shopper's next
    message (that message also reopens the conversation)."""
    if conversation.status == ConversationStatus.RESOLVED:
        return conversation
    with transaction.atomic():
        if conversation.handed_off:
            services.conversation_hand_back(conversation=conversation, by=by)
        conversation.status, conversation.resolved_at = ConversationStatus.RESOLVED, timezone.now()
        conversation.save(update_fields=["status", "resolved_at"])
        _activity(conversation, by, "resolved")
        _webhook(conversation, "conversation.resolved", by)
    _changed(conversation, "status")
    return conversation


def conversation_reopen(*, conversation: Conversation, by: User) -> Conversation:
    if conversation.status == ConversationStatus.OPEN:
        return conversation
    with transaction.atomic():
        conversation.status, conversation.resolved_at = ConversationStatus.OPEN, None
        conversation.save(update_fields=["status", "resolved_at"])
        _activity(conversation, by, "reopened")
        _webhook(conversation, "conversation.reopened", by)
    _changed(conversation, "status")
    return conversation


def conversation_labels_set(
    *, conversation: Conversation, labels: list[Label], by: User
) -> Conversation:
    """Exactly these labels (all of the conversation's shop)."""
    if any(label.shop_id != conversation.shop_id for label in labels):
        raise ValueError("A label of another shop.")
    wanted = {label.pk for label in labels}
    with transaction.atomic():
        current = set(
            ConversationLabel.objects.filter(conversation=conversation).values_list(
                "label_id", flat=True
            )
        )
        if wanted == current:
            return conversation
        ConversationLabel.objects.filter(
            conversation=conversation, label_id__in=current - wanted
        ).delete()
        ConversationLabel.objects.bulk_create(
            ConversationLabel(shop_id=conversation.shop_id, conversation=conversation, label_id=pk)
            for pk in sorted(wanted - current)
        )
    _changed(conversation, "labels")
    return conversation


def conversation_note_add(
    *, conversation: Conversation, author: User, text: str
) -> ConversationNote:
    """A private note: in the transcript for the team, never sent to the shopper."""
    note = ConversationNote.objects.create(
        shop_id=conversation.shop_id, conversation=conversation, author=author, text=text.strip()
    )
    _changed(conversation, "note")
    return note


def conversation_mark_read(*, conversation: Conversation) -> bool:
    """The team has read up to now. False (and nothing written) when nothing was unread."""
    last = conversation.last_message_at
    seen = conversation.agent_last_seen_at
    if last is None or (seen is not None and seen >= last):
        return False
    conversation.agent_last_seen_at = timezone.now()
    Conversation.objects.filter(pk=conversation.pk).update(
        agent_last_seen_at=conversation.agent_last_seen_at
    )
    _changed(conversation, "read")
    return True


# --- The shop's labels, canned replies and business hours --------------------------------------


def label_create(*, shop: Shop, name: str, colour: str) -> Label:
    return Label.objects.create(shop=shop, name=name.strip(), colour=colour)


def label_update(*, label: Label, name: str, colour: str) -> Label:
    label.name, label.colour = name.strip(), colour
    label.save(update_fields=["name", "colour"])
    return label


def label_delete(*, label: Label) -> None:
    """Removes it from every conversation too."""
    label.delete()


def canned_reply_create(*, shop: Shop, shortcut: str, text: str) -> CannedReply:
    return CannedReply.objects.create(shop=shop, shortcut=shortcut, text=text.strip())


def canned_reply_update(*, reply: CannedReply, shortcut: str, text: str) -> CannedReply:
    reply.shortcut, reply.text = shortcut, text.strip()
    reply.save(update_fields=["shortcut", "text", "updated_at"])
    return reply


def canned_reply_delete(*, reply: CannedReply) -> None:
    reply.delete()


def inbox_settings_save(*, shop: Shop, hours: dict, away_message: str) -> InboxSettings:
    settings, _ = InboxSettings.objects.update_or_create(
        shop=shop, defaults={"hours": hours, "away_message": away_message.strip()}
    )
    return settings
