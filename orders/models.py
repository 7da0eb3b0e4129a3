"""Carts now; orders, checkout and stock reservation come with checkout (issue: checkout)."""

from django.db import models
from django.db.models import Q

from catalog.models import Variant
from shops.tenancy import ShopOwned


class Cart(ShopOwned):
    """A shopper's open cart. `owner_key` says whose it is (the conversations app uses the
    customer's id), so orders need not know about conversations."""

    owner_key = models.CharField(max_length=64)
    is_open = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "owner_key"], condition=Q(is_open=True), name="cart_one_open"
            )
        ]


class CartLine(ShopOwned):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "variant"], name="cart_line_one_per_variant"),
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="cart_line_quantity_positive"
            ),
        ]
