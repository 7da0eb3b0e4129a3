"""The dashboard's shipping rate form: amounts typed as a person writes them ("4,90"). The
rules between fields (a free_above rate needs its threshold) are in orders/shipping.py."""

from django import forms

from catalog.dashboard_forms import TranslatedFieldsMixin
from orders.models import ShippingKind, ShippingRate
from orders.translations import RATE_TEXT_FIELDS
from shops.form_fields import MoneyField
from shops.models import Shop


class ShippingRateForm(TranslatedFieldsMixin, forms.Form):
    # The name in the shop's other languages, one field each ("name_en"), checked as the API
    # checks them.
    translatable = RATE_TEXT_FIELDS

    name = forms.CharField(
        label="Name",
        max_length=60,
        help_text="What shoppers see when they choose, such as “Colissimo, 48 h”.",
    )
    kind = forms.ChoiceField(label="Kind", choices=ShippingKind.choices)
    is_active = forms.BooleanField(label="Offered to shoppers", required=False, initial=True)
    # Checked in orders/shipping.py (the API's rules too), so the message is the same.
    delivery_days_min = forms.IntegerField(
        label="Delivery from (business days)",
        required=False,
        help_text="Such as 2; shown on Stripe's payment page. Blank: no promise.",
    )
    delivery_days_max = forms.IntegerField(
        label="Delivery up to (business days)",
        required=False,
        help_text="Such as 4; the same number for an exact delay.",
    )

    def __init__(self, *args, shop: Shop, rate: ShippingRate | None = None, **kwargs):
        if rate is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": rate.name,
                    "kind": rate.kind,
                    "amount": rate.amount,
                    "free_above": rate.free_above,
                    "is_active": rate.is_active,
                    "delivery_days_min": rate.delivery_days_min,
                    "delivery_days_max": rate.delivery_days_max,
                    **ShippingRateForm.translation_initial(rate),
                },
            )
        super().__init__(*args, **kwargs)
        money = {"currency": shop.currency, "language": shop.language}
        self.example = example = "4,90" if shop.language == "fr" else "4.90"
        self.fields["amount"] = MoneyField(
            label=f"Cost ({shop.currency})",
            required=False,
            help_text=f"Such as {example}; 0 for free. Pickup is always free.",
            **money,
        )
        self.fields["free_above"] = MoneyField(
            label=f"Free from ({shop.currency})",
            required=False,
            help_text="For “free above an amount”: orders whose goods reach it ship free.",
            **money,
        )
        self.order_fields(
            [
                "name",
                "kind",
                "amount",
                "free_above",
                "delivery_days_min",
                "delivery_days_max",
                "is_active",
            ]
        )
        self.add_translation_fields(shop)

    def clean(self):
        data = super().clean()
        if data.get("amount") is None and "amount" not in self.errors:
            if data.get("kind") == ShippingKind.PICKUP:
                data["amount"] = 0
            else:
                self.add_error("amount", f"Enter the cost, such as {self.example} (0 for free).")
        return data

    def service_fields(self) -> dict:
        names = [name for name in self.fields if name not in self.translation_fields]
        return {name: self.cleaned_data[name] for name in [*names, "translations"]}
