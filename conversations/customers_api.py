"""/api/v1/customers/: the shoppers of a shop, their identities per channel, their orders."""

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action

from conversations.models import Customer
from conversations.serializers import CustomerSerializer
from orders.models import Order
from orders.serializers import OrderSerializer
from shops.rest.pagination import CursorPagination
from shops.rest.views import ShopScopedReadOnlyViewSet


class CustomerViewSet(ShopScopedReadOnlyViewSet):
    model = Customer
    serializer_class = CustomerSerializer
    ordering_fields = ["created_at", "last_seen_at"]
    ordering = ["-created_at", "-id"]

    def scoped_queryset(self, shop):
        return Customer.objects.for_shop(shop).prefetch_related("identities__channel")

    @extend_schema(responses=OrderSerializer(many=True))
    @action(detail=True, methods=["get"])
    def orders(self, request, pk=None):
        """The customer's orders, newest first."""
        customer = self.get_object()
        orders = Order.objects.filter(shop_id=customer.shop_id, customer=customer)
        orders = orders.prefetch_related("lines").order_by("-created_at", "-id")
        paginator = CursorPagination()
        page = paginator.paginate_queryset(orders, request, view=self)
        return paginator.get_paginated_response(OrderSerializer(page, many=True).data)
