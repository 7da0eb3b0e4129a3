from django.db.models import QuerySet

from conversations.models import Conversation, Message
from shops.models import Shop


def conversation_list(*, shop: Shop) -> QuerySet[Conversation]:
    return Conversation.objects.for_shop(shop).select_related("customer", "channel", "identity")


def conversation_messages(*, conversation: Conversation) -> QuerySet[Message]:
    return Message.objects.filter(conversation=conversation).select_related("outbound")
