"""/api/v1/channels/: connect a shop's Messenger page, Telegram bot, WhatsApp number or SMS
number; list, retrieve and disconnect them. Credentials go in, never come out."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from channels_adapters import registry, selectors, setup
from channels_adapters.models import ChannelAccount, ChannelStatus
from channels_adapters.serializers import ChannelConnectSerializer, ChannelSerializer
from shops.rest.filters import ShopFilterSet
from shops.rest.views import ShopScopedViewSet


class ChannelFilter(ShopFilterSet):
    # The model's kind has no choices (the registry holds them): an unknown kind is a 400.
    kind = django_filters.ChoiceFilter(choices=registry.choices())
    status = django_filters.ChoiceFilter(choices=ChannelStatus.choices)

    class Meta:
        model = ChannelAccount
        fields = ["kind", "status"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The schema lists the kinds known at import; a request checks the registry as it is.
        # (A new dict: the filters' `extra` is shared with the class's; and the form field,
        # once built, is copied with the filter, so it is built again from these choices.)
        kind = self.filters["kind"]
        kind.extra = {**kind.extra, "choices": registry.choices()}
        kind.__dict__.pop("_field", None)


class ChannelViewSet(ShopScopedViewSet):
    model = ChannelAccount
    serializer_class = ChannelSerializer
    http_method_names = ["get", "post", "delete", "head", "options"]
    filterset_class = ChannelFilter
    ordering_fields = ["created_at", "kind"]
    ordering = ["kind", "id"]

    def scoped_queryset(self, shop):
        setup.built_in_channels(shop=shop)
        return selectors.channel_list(shop=shop)

    @extend_schema(request=ChannelConnectSerializer, responses={201: ChannelSerializer})
    def create(self, request, *args, **kwargs):
        payload = ChannelConnectSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            account = setup.channel_connect(shop=self.shop, **payload.validated_data)
        except setup.PlatformRefused as exc:
            raise ValidationError({"credentials": [str(exc)]}) from exc
        return Response(self.get_serializer(account).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        setup.channel_disconnect(account=instance)
