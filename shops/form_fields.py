"""Form fields the dashboard pages share."""

from django import forms

from shops.money import AmountError, amount_input_value, parse_amount


class MoneyField(forms.CharField):
    """A price typed as a person writes it ("24,90") in the shop's currency, cleaned to minor
    units (2490). Build it with the shop: `MoneyField(currency=shop.currency, language=…)`."""

    def __init__(self, *, currency: str, language: str = "en", **kwargs):
        self.currency, self.language = currency, language
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")
        self.widget.attrs.setdefault("autocomplete", "off")

    def prepare_value(self, value):
        if isinstance(value, int):
            return amount_input_value(value, self.currency, self.language)
        return value

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return parse_amount(value, self.currency)
        except AmountError as exc:
            raise forms.ValidationError(str(exc), code="amount") from exc
