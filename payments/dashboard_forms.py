"""The payment settings form: its shape only. Which keys are acceptable (format, Stripe's
answer) is the service's rule: payments.services.shop_payment_settings_update."""

from django import forms

from payments.models import ShopPaymentSettings


class SecretInput(forms.PasswordInput):
    """Never renders a value back: a stored key is shown as its hint, beside the field."""

    def __init__(self):
        super().__init__(render_value=False, attrs={"autocomplete": "off", "spellcheck": "false"})


class PaymentSettingsForm(forms.Form):
    provider = forms.ChoiceField(
        label="Provider for new payments",
        choices=ShopPaymentSettings.CHOICES,
        widget=forms.RadioSelect,
    )
    stripe_secret_key = forms.CharField(
        label="Stripe secret key",
        required=False,
        max_length=255,
        widget=SecretInput(),
    )
    stripe_webhook_secret = forms.CharField(
        label="Stripe webhook signing secret",
        required=False,
        max_length=255,
        widget=SecretInput(),
    )
