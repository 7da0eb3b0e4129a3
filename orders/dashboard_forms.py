"""Forms of the dashboard's order pages: the list's filters and the three actions (ship, refund,
cancel). They read what a person typed; the rules (what a status allows, what is left to
refund) stay in orders.lifecycle and payments.services."""

from django import forms

from channels_adapters.models import ChannelKind
from orders.selectors import OrderFilters
from orders.transitions import FulfillmentStatus, OrderStatus, PaymentStatus
from shops.form_fields import MoneyField
from shops.models import Shop
from shops.money import format_amount


def _any(choices, label: str = "Any") -> list[tuple[str, str]]:
    return [("", label), *choices]


class OrderFilterForm(forms.Form):
    """Read from the query string. A value that is not valid is ignored (and said so beside
    its field) instead of failing the page."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "#1003, name or phone", "autocomplete": "off"}
        ),
    )
    status = forms.ChoiceField(label="Order", required=False, choices=_any(OrderStatus.choices))
    payment_status = forms.ChoiceField(
        label="Payment", required=False, choices=_any(PaymentStatus.choices)
    )
    fulfillment_status = forms.ChoiceField(
        label="Fulfilment", required=False, choices=_any(FulfillmentStatus.choices)
    )
    channel = forms.ChoiceField(label="Channel", required=False, choices=_any(ChannelKind.choices))
    created_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    customer = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, data, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.is_valid()  # fills cleaned_data with the fields that are valid

    def filters(self) -> OrderFilters:
        data = self.cleaned_data
        return OrderFilters(
            status=data.get("status") or "",
            payment_status=data.get("payment_status") or "",
            fulfillment_status=data.get("fulfillment_status") or "",
            channel=data.get("channel") or "",
            customer_id=data.get("customer"),
            created_from=data.get("created_from"),
            created_to=data.get("created_to"),
            query=(data.get("q") or "").strip(),
        )

    @property
    def narrowed(self) -> bool:
        return any(value for value in self.filters().__dict__.values())


class FulfilForm(forms.Form):
    prefix = "fulfil"  # three forms on one page: their fields' ids must not clash
    carrier = forms.CharField(
        label="Carrier",
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"placeholder": "Colissimo, UPS…"}),
    )
    tracking_number = forms.CharField(label="Tracking number", required=False, max_length=100)
    tracking_url = forms.URLField(
        label="Tracking link",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="The shopper gets a button to follow the parcel.",
    )


class CancelForm(forms.Form):
    prefix = "cancel"
    reason = forms.CharField(
        label="Reason (for your records)",
        required=False,
        max_length=200,
    )


class RefundForm(forms.Form):
    """`refundable`: what is left to refund (payments.services.refund_left); the amount typed
    may not be more."""

    prefix = "refund"
    reason = forms.CharField(label="Reason (for your records)", required=False, max_length=200)

    def __init__(self, *args, shop: Shop, refundable: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.shop, self.refundable = shop, refundable
        amount = MoneyField(
            label="Amount to refund",
            currency=shop.currency,
            language=shop.language,
            initial=refundable,
            help_text=f"Up to {self.money(refundable)}.",
        )
        amount.widget.attrs["maxlength"] = "20"
        self.fields = {"amount": amount, **self.fields}

    def money(self, amount: int) -> str:
        return format_amount(amount, self.shop.currency, self.shop.language)

    def clean_amount(self) -> int:
        amount = self.cleaned_data["amount"]
        if amount <= 0:
            raise forms.ValidationError("Enter an amount above zero.", code="zero")
        if amount > self.refundable:
            raise forms.ValidationError(
                f"At most {self.money(self.refundable)} can be refunded.", code="too_much"
            )
        return amount
