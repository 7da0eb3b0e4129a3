"""The dashboard's live events: an append-only per-shop log the inbox polls (registered in
shops.models; written and read by shops/live.py)."""

from django.db import models
from django.db.models.functions import Now

from shops.models import Shop
from shops.tenancy import ShopOwned


class LiveEvent(ShopOwned):
    id = models.BigAutoField(primary_key=True)
    # The (shop, id) index below serves every read; a second index on the foreign key alone
    # would only slow the inserts down.
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", db_index=False)
    kind = models.CharField(max_length=40)
    data = models.JSONField(default=dict)
    # The database's clock, the same one the reader compares with (shops/live.py): no skew
    # between the machines that write and the one that reads.
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        indexes = [
            models.Index(fields=["shop", "id"], name="live_event_shop_id"),
            models.Index(fields=["created_at"], name="live_event_created"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"
