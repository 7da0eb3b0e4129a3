"""/api/v1/conversations/: read conversations and their messages; a person replies, takes over
from the bot, or hands the conversation back to it."""

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from conversations import composer, selectors, services
from conversations.models import Conversation
from conversations.serializers import (
    AgentReplySerializer,
    ConversationSerializer,
    MessageSerializer,
)
from shops.rest.pagination import CursorPagination
from shops.rest.views import ShopScopedReadOnlyViewSet


class OldestFirstPagination(CursorPagination):
    """A conversation reads from its beginning, whatever the conversation list's ordering."""

    def get_ordering(self, request, queryset, view):
        return ("id",)


class ConversationViewSet(ShopScopedReadOnlyViewSet):
    model = Conversation
    serializer_class = ConversationSerializer
    http_method_names = ["get", "post", "head", "options"]
    filterset_fields = ["handed_off", "channel"]
    ordering_fields = ["created_at", "last_message_at"]
    ordering = ["-created_at", "-id"]

    def scoped_queryset(self, shop):
        return selectors.conversation_list(shop=shop)

    @extend_schema(responses=MessageSerializer(many=True))
    @action(detail=True, methods=["get"])
    def messages(self, request, pk=None):
        """The conversation's log, oldest first, with the delivery status of replies."""
        paginator = OldestFirstPagination()
        page = paginator.paginate_queryset(
            selectors.conversation_messages(conversation=self.get_object()), request, view=self
        )
        return paginator.get_paginated_response(MessageSerializer(page, many=True).data)

    @extend_schema(request=None, responses=ConversationSerializer)
    @action(detail=True, methods=["post"], url_path="hand-off")
    def hand_off(self, request, pk=None):
        """A person takes over: the bot stays silent until the conversation is handed back."""
        conversation = services.conversation_hand_off(conversation=self.get_object())
        return Response(self.get_serializer(conversation).data)

    @extend_schema(request=None, responses=ConversationSerializer)
    @action(detail=True, methods=["post"], url_path="hand-back")
    def hand_back(self, request, pk=None):
        """The bot answers again from the customer's next message."""
        conversation = services.conversation_hand_back(conversation=self.get_object())
        return Response(self.get_serializer(conversation).data)

    @extend_schema(request=AgentReplySerializer, responses={201: MessageSerializer(many=True)})
    @action(detail=True, methods=["post"], pagination_class=None)  # a plain list of one
    def reply(self, request, pk=None):
        """Send the customer a message as a person; the conversation stays with people.
        Refused (400) when the shopper opted out or the channel's window is closed."""
        conversation = self.get_object()
        payload = AgentReplySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            # The composer's rules: opted-out shoppers and closed windows refuse the reply.
            composer.conversation_reply(
                conversation=conversation, author=None, text=payload.validated_data["text"]
            )
        except composer.ReplyRefused as exc:
            raise ValidationError({"text": [str(exc)]}, code=exc.code) from exc
        latest = selectors.conversation_messages(conversation=conversation).order_by("-id")[:1]
        return Response(MessageSerializer(latest, many=True).data, status=201)
