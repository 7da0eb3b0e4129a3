"""Forms of the inbox's commerce sidebar. They read what the agent picked or typed; the rules
(what is in stock, what an order needs) stay in orders and conversations.sidebar."""

from django import forms

from catalog.models import Category
from conversations import sidebar
from conversations.checkout_flow import PHONE
from conversations.models import Customer
from orders.models import ShippingRate
from orders.services import MAX_LINE_QUANTITY
from shops.models import Shop


class ProductSearchForm(forms.Form):
    q = forms.CharField(
        label="Find a product",
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Name, SKU or colour", "autocomplete": "off"}
        ),
    )


class SendProductForm(forms.Form):
    """The product picked in the search results."""

    product = forms.ModelChoiceField(queryset=None)

    def __init__(self, *args, shop: Shop, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = sidebar.sendable_products(shop=shop)
        self.fields["product"].error_messages = {
            "required": "Pick a product to send.",
            "invalid_choice": "That product is not for sale any more.",
        }


class SendCategoryForm(forms.Form):
    category = forms.TypedChoiceField(label="Category", coerce=int, empty_value=None)

    def __init__(self, *args, shop: Shop, categories: list[Category] | None = None, **kwargs):
        kwargs.setdefault("auto_id", "cs-%s")  # ids unique on the conversation page
        super().__init__(*args, **kwargs)
        if categories is None:
            categories = sidebar.categories(shop=shop)
        self.categories = {c.pk: c for c in categories}
        field = self.fields["category"]
        field.choices = [(0, "Every product"), *((c.pk, c.name) for c in categories)]
        field.error_messages = {
            "required": "Pick a category.",
            "invalid_choice": "That category does not exist any more.",
        }

    def picked(self) -> Category | None:
        """The category picked; None for every product."""
        return self.categories.get(self.cleaned_data["category"])


class CartAddForm(forms.Form):
    variant = forms.ModelChoiceField(queryset=None)
    quantity = forms.IntegerField(
        label="Quantity", min_value=1, max_value=MAX_LINE_QUANTITY, initial=1
    )

    def __init__(self, *args, shop: Shop, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["variant"].queryset = sidebar.cart_variants(shop=shop)
        self.fields["variant"].error_messages = {
            "required": "Pick a variant to add.",
            "invalid_choice": "That item is not for sale any more.",
        }


class CartLineForm(forms.Form):
    """The line's new quantity: 0 removes it."""

    quantity = forms.IntegerField(label="Quantity", min_value=0, max_value=MAX_LINE_QUANTITY)


class PaymentRequestForm(forms.Form):
    """Who the order is for and where it goes, prefilled with what the shop knows of the
    shopper (as the bot would use it); the agent completes what is missing."""

    contact_name = forms.CharField(label="Name", min_length=2, max_length=150)
    contact_phone = forms.CharField(label="Phone", max_length=32)
    shipping_rate = forms.ModelChoiceField(
        label="Delivery", queryset=ShippingRate.objects.none(), required=False, empty_label=None
    )
    address = forms.CharField(
        label="Delivery address",
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, customer: Customer, rates: list[ShippingRate], **kwargs):
        self.customer, self.rates = customer, rates
        self.known_address = sidebar.remembered_address(customer)
        known_rate = (customer.preferences or {}).get("shipping_rate")
        kwargs.setdefault(
            "initial",
            {
                "contact_name": customer.name,
                "contact_phone": customer.phone,
                "shipping_rate": known_rate if any(r.pk == known_rate for r in rates) else None,
                "address": self.known_address.get("text", ""),
            },
        )
        kwargs.setdefault("auto_id", "cs-pay-%s")
        super().__init__(*args, **kwargs)
        field = self.fields["shipping_rate"]
        if rates:
            field.queryset = ShippingRate.objects.filter(pk__in=[r.pk for r in rates])
            # Options from the rates already read: rendering runs no query.
            field.choices = [(r.pk, r.name) for r in rates]
            field.required = True
        else:
            del self.fields["shipping_rate"]
        if self.known_address and not self.known_address.get("text"):
            self.fields[
                "address"
            ].help_text = "Leave empty to deliver to the location the shopper shared."

    def clean_contact_phone(self) -> str:
        phone = self.cleaned_data["contact_phone"].strip()
        if not PHONE.match(phone) or sum(ch.isdigit() for ch in phone) < 6:
            raise forms.ValidationError("Enter a phone number, e.g. +33 6 12 34 56 78.")
        return phone

    def clean_address(self) -> dict:
        text = self.cleaned_data["address"].strip()
        if text and len(text) < 8:
            raise forms.ValidationError("Enter the full address: street, postcode and town.")
        if text:
            return {"text": text}
        # A location shared in the chat (no text) is still where the shopper is.
        return self.known_address if not self.known_address.get("text") else {}

    def clean(self):
        data = super().clean()
        # What the checkout would still ask for, beside the fields not already in error.
        messages = {
            "contact_name": "This field is required.",
            "contact_phone": "This field is required.",
            "shipping_rate": "Pick how the order is delivered.",
            "shipping_address": "This delivery needs an address.",
        }
        for name in sidebar.missing_details(self.recipient(), rates_exist=bool(self.rates)):
            field = "address" if name == "shipping_address" else name
            if field in self.fields and field not in self.errors:
                self.add_error(field, messages[name])
        return data

    def recipient(self) -> sidebar.Recipient:
        data = self.cleaned_data
        return sidebar.Recipient(
            contact_name=(data.get("contact_name") or "").strip(),
            contact_phone=data.get("contact_phone") or "",
            shipping_rate=data.get("shipping_rate"),
            shipping_address=data.get("address") or {},
        )
