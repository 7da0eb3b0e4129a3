"""Form fields the dashboard pages share."""

from django import forms

from shops.money import AmountError, amount_input_value, parse_amount


class MoneyField(forms.CharField):
    """A price typed as a person writes it ("24,90") in the shop's currency, cleaned to minor
    units (2490). Build it with the shop: `MoneyField(currency=shop.currency, language=…)`."""

    def __init__(self, *, currency: str, language: str = "en", **kwargs):
        self.currency, self.language = currency, language
        # CharField's max_length validator would run on the cleaned integer: limit the typed
        # text in to_python instead (and in the browser through the widget's maxlength).
        self.max_text_length = kwargs.pop("max_length", None) or 20
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("maxlength", str(self.max_text_length))
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
        if len(value) > self.max_text_length:
            raise forms.ValidationError("That is too long for an amount.", code="max_length")
        try:
            return parse_amount(value, self.currency)
        except AmountError as exc:
            raise forms.ValidationError(str(exc), code="amount") from exc
