"""The hosted test page's form: the card, checked as Stripe's test mode checks it, and the
shopper's name, phone and address when the chat did not ask for them.

Stripe's test mode takes any future expiry date and any CVC of the right length; an expired
date or a short CVC is refused beside its field before anything is charged. The card number
must be one of the public test cards (payments/providers/sandbox.py), so a real card number is
never accepted, kept or logged.
"""

from datetime import date

from babel import Locale
from django import forms
from django.utils.translation import gettext_lazy as _

from payments.providers.sandbox import NotATestCard, sandbox_card
from shops.money import LOCALES

NAME_AND_PHONE = ("contact_name", "contact_phone")
ADDRESS = ("street", "postal_code", "city", "country")
SHIPPING_RATE = "shipping_rate"
CARD_FIELDS = ("card_number", "expiry", "cvc", "save_card")
MIN_PHONE_DIGITS = 6
NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB"}


def _countries(language: str) -> list[tuple[str, str]]:
    # Babel's territory names in the shopper's language; two-letter codes are the countries
    # (less the groupings and placeholders that share the format).
    names = Locale.parse(LOCALES.get(language, language)).territories
    countries = [
        (code, name)
        for code, name in names.items()
        if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES
    ]
    return [("", ""), *sorted(countries, key=lambda pair: pair[1])]


def _expiry(value: str, today: date) -> tuple[int, int]:
    digits = "".join(ch for ch in value if ch.isdigit())
    if len(digits) not in (4, 6):
        raise forms.ValidationError(_("Your card's expiration date is incomplete."))
    month, year = int(digits[:2]), int(digits[2:])
    if year < 100:
        year += 2000
    if not 1 <= month <= 12:
        raise forms.ValidationError(_("Your card's expiration month is invalid."))
    if (year, month) < (today.year, today.month):
        raise forms.ValidationError(_("Your card's expiration date is in the past."))
    return month, year


class NotEchoed(forms.TextInput):
    """A card number or CVC is never sent back in the page, even to correct a typo."""

    def format_value(self, value):
        return None


class PayForm(forms.Form):
    card_number = forms.CharField(label=_("Card number"), max_length=23, widget=NotEchoed)
    expiry = forms.CharField(label=_("Expiry date (MM / YY)"), max_length=9)
    cvc = forms.CharField(label=_("Security code (CVC)"), max_length=4, widget=NotEchoed)
    # An explicit choice, never ticked for the shopper.
    save_card = forms.BooleanField(required=False, initial=False)
    contact_name = forms.CharField(label=_("Full name"), max_length=150)
    contact_phone = forms.CharField(label=_("Phone"), max_length=32)
    street = forms.CharField(label=_("Address"), max_length=200)
    postal_code = forms.CharField(label=_("Postcode"), max_length=20)
    city = forms.CharField(label=_("Town or city"), max_length=100)
    country = forms.ChoiceField(label=_("Country"))
    shipping_rate = forms.ChoiceField(label=_("Delivery"), widget=forms.RadioSelect)

    AUTOCOMPLETE = {
        "card_number": "cc-number",
        "expiry": "cc-exp",
        "cvc": "cc-csc",
        "contact_name": "name",
        "contact_phone": "tel",
        "street": "street-address",
        "postal_code": "postal-code",
        "city": "address-level2",
        "country": "country",
    }
    NUMERIC = ("card_number", "expiry", "cvc")

    def __init__(
        self,
        *args,
        ask: tuple[str, ...] = (),
        language: str = "en",
        rates: tuple = (),
        today=None,
        card: bool = True,
        **kw,
    ):
        """`ask`: the detail fields the order still lacks (details_to_ask); the others are
        removed, so the page shows and accepts only what was not collected in the chat.
        `rates`: (rate, label) for each delivery option when the chat did not ask it.
        `card=False`: paying with a wallet (its own button), so only the details are read."""
        kw.setdefault("auto_id", "pay-%s")
        super().__init__(*args, **kw)
        self.today = today or date.today()
        self.rates = {str(rate.pk): rate for rate, _label in rates}
        for name in (*NAME_AND_PHONE, *ADDRESS, SHIPPING_RATE):
            if name not in ask:
                del self.fields[name]
        if not card:
            for name in CARD_FIELDS:
                self.fields[name].required = False
        if SHIPPING_RATE in self.fields:
            self.fields[SHIPPING_RATE].choices = [(str(r.pk), label) for r, label in rates]
            for name in ADDRESS:
                # Checked in clean(): a pickup needs no address.
                if name in self.fields:
                    self.fields[name].required = False
        if "country" in self.fields:
            self.fields["country"].choices = _countries(language)
            self.fields["country"].initial = "FR" if language == "fr" else ""
        for name, field in self.fields.items():
            attrs = field.widget.attrs
            if name in self.AUTOCOMPLETE:
                attrs["autocomplete"] = self.AUTOCOMPLETE[name]
            if name in self.NUMERIC:
                attrs["inputmode"] = "numeric"
            attrs["aria-describedby"] = f"pay-{name}-error"
        self.fields["card_number"].widget.attrs["placeholder"] = "4242 4242 4242 4242"
        self.fields["expiry"].widget.attrs["placeholder"] = "12 / 34"
        self.fields["cvc"].widget.attrs["placeholder"] = "123"
        if "contact_phone" in self.fields:
            self.fields["contact_phone"].widget.input_type = "tel"

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-invalid"] = "true"

    def detail_fields(self) -> list:
        return [self[name] for name in NAME_AND_PHONE + ADDRESS if name in self.fields]

    def chosen_rate(self):
        return self.rates.get(self.cleaned_data.get(SHIPPING_RATE, ""))

    def clean(self):
        data = super().clean()
        rate = self.chosen_rate() if SHIPPING_RATE in self.fields else None
        if rate is not None and self.asks_address and rate.needs_address:
            for name in ADDRESS:
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, forms.Field.default_error_messages["required"])
        return data

    @property
    def asks_details(self) -> bool:
        return any(name in self.fields for name in NAME_AND_PHONE + ADDRESS)

    @property
    def asks_rate(self) -> bool:
        return SHIPPING_RATE in self.fields

    @property
    def asks_address(self) -> bool:
        return "street" in self.fields

    def clean_card_number(self) -> str:
        number = self.cleaned_data["card_number"]
        if not self.fields["card_number"].required:
            return ""  # a wallet pays: whatever the card fields hold is dropped
        try:
            sandbox_card(number)
        except NotATestCard:
            raise forms.ValidationError(
                _("This is a test shop: use a test card such as 4242 4242 4242 4242.")
            ) from None
        return number

    def clean_expiry(self) -> tuple[int, int] | None:
        if not self.fields["expiry"].required:
            return None
        return _expiry(self.cleaned_data["expiry"], self.today)

    def clean_cvc(self) -> str:
        cvc = self.cleaned_data["cvc"].strip()
        if not self.fields["cvc"].required:
            return ""
        if not cvc.isdigit() or len(cvc) not in (3, 4):
            raise forms.ValidationError(_("Your card's security code is incomplete."))
        return cvc

    def clean_contact_phone(self) -> str:
        phone = self.cleaned_data["contact_phone"].strip()
        allowed = set("+0123456789 ().-")
        digits = sum(ch.isdigit() for ch in phone)
        if not set(phone) <= allowed or digits < MIN_PHONE_DIGITS:
            raise forms.ValidationError(_("Enter a phone number, e.g. +33 6 12 34 56 78."))
        return phone

    def details(self) -> dict:
        """What the page collected, shaped as the order keeps it (as a Telegram invoice's)."""
        data = self.cleaned_data
        found = {name: data[name] for name in NAME_AND_PHONE if name in data}
        rate = self.chosen_rate() if self.asks_rate else None
        if rate is not None:
            found["shipping_rate"] = rate
        if self.asks_address and (rate is None or rate.needs_address):
            line = " ".join(p for p in (data["postal_code"], data["city"]) if p)
            found["shipping_address"] = {
                "text": ", ".join([data["street"], line, data["country"]]),
                "street_line1": data["street"],
                "post_code": data["postal_code"],
                "city": data["city"],
                "country_code": data["country"],
            }
        return found
