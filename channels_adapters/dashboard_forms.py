"""The dashboard's connect forms, one per platform. They only collect what
`setup.channel_connect` takes (the rules are there, shared with the API) and put its errors
beside the field they name. Secrets are password inputs and never rendered back."""

from typing import ClassVar

from django import forms
from django.core.exceptions import ValidationError

from channels_adapters.models import ChannelKind

SECRET_MAX = 1000  # as the API's ChannelConnectSerializer


def _secret(label: str, help_text: str, *, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=required,
        max_length=SECRET_MAX,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )


class ChannelConnectForm(forms.Form):
    kind: ClassVar[str]
    title: ClassVar[str]
    # Where the values are found on the platform, step by step.
    steps: ClassVar[tuple[str, ...]]
    credential_fields: ClassVar[tuple[str, ...]]
    webhook_help: ClassVar[str] = ""

    name = forms.CharField(
        label="Name in Souk",
        required=False,
        max_length=120,
        help_text="How this channel is listed in the dashboard.",
    )
    field_order = [
        "external_id",
        "token",
        "payment_provider_token",
        "access_token",
        "account_sid",
        "auth_token",
        "name",
    ]

    def connect_kwargs(self) -> dict:
        data = self.cleaned_data
        credentials = {name: data[name] for name in self.credential_fields if data.get(name)}
        return {
            "kind": self.kind,
            "credentials": credentials,
            "external_id": data.get("external_id", ""),
            "name": data.get("name", ""),
        }

    def add_service_errors(self, error: ValidationError) -> None:
        """The service names fields as the API does (`credentials.token`, `external_id`)."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for key, messages in error.message_dict.items():
            field = key.removeprefix("credentials.")
            self.add_error(field if field in self.fields else None, messages)


class TelegramConnectForm(ChannelConnectForm):
    kind = ChannelKind.TELEGRAM
    title = "Connect a Telegram bot"
    steps = (
        "In Telegram, open a chat with @BotFather.",
        "Send /newbot to create a bot (or /mybots, pick your bot, then “API Token”).",
        "Copy the token it gives you, such as 123456789:AAH…, into the field below.",
    )
    credential_fields = ("token", "payment_provider_token")
    webhook_help = "Souk tells Telegram where to send messages itself: there is nothing to paste."

    token = _secret("Bot token", "From @BotFather, such as 123456789:AAH…")
    payment_provider_token = _secret(
        "Payment provider token",
        "To take payments inside Telegram: @BotFather → /mybots → your bot → "
        "Payments → choose a provider, then copy the token it gives.",
        required=False,
    )


class MessengerConnectForm(ChannelConnectForm):
    kind = ChannelKind.MESSENGER
    title = "Connect a Facebook page (Messenger)"
    steps = (
        "Page ID: on your Facebook page, About → Page transparency (or Meta Business Suite → "
        "Settings → Business assets → your page).",
        "Page access token: in Meta for Developers, the Souk app → Messenger → Settings → "
        "Access tokens → Add or remove pages, pick your page, then “Generate token”.",
    )
    credential_fields = ("access_token",)
    webhook_help = (
        "Messages reach Souk through its Meta app: the app's webhook (this URL) is set once by "
        "whoever runs Souk. In the app → Messenger → Settings → Webhooks, subscribe your page "
        "to messages and messaging_postbacks."
    )

    external_id = forms.CharField(
        label="Page ID", max_length=64, help_text="Digits only, such as 104857623412345."
    )
    access_token = _secret("Page access token", "Starts with EAA…; it is stored encrypted.")


class WhatsAppConnectForm(ChannelConnectForm):
    kind = ChannelKind.WHATSAPP
    title = "Connect a WhatsApp number"
    steps = (
        "In Meta for Developers, open the Souk app → WhatsApp → API Setup.",
        "Phone number ID: shown under your number in “From” (digits, not the phone number).",
        "Access token: a permanent one from Business Settings → Users → System users → "
        "Generate new token, with whatsapp_business_messaging allowed.",
    )
    credential_fields = ("access_token",)
    webhook_help = (
        "Messages reach Souk through its Meta app: the app's webhook (this URL) is set once by "
        "whoever runs Souk."
    )

    external_id = forms.CharField(
        label="Phone number ID", max_length=64, help_text="Digits only, such as 109876543210987."
    )
    access_token = _secret("Access token", "A permanent system-user token; stored encrypted.")


class SmsConnectForm(ChannelConnectForm):
    kind = ChannelKind.SMS
    title = "Connect an SMS number (Twilio)"
    steps = (
        "In the Twilio Console, the Account Info box on the home page shows the Account SID "
        "and the Auth token.",
        "Your number is under Phone Numbers → Manage → Active numbers; write it with the "
        "country code, such as +15550001111.",
    )
    credential_fields = ("account_sid", "auth_token")
    webhook_help = (
        "In the Twilio Console → Phone Numbers → this number → Messaging configuration, set "
        "“A message comes in” to Webhook, HTTP POST, and paste this URL."
    )

    external_id = forms.CharField(
        label="Phone number",
        max_length=64,
        help_text="In international (E.164) form, such as +15550001111.",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    account_sid = forms.CharField(
        label="Account SID", max_length=SECRET_MAX, help_text="Starts with AC."
    )
    auth_token = _secret("Auth token", "Stored encrypted.")


CONNECT_FORMS: dict[str, type[ChannelConnectForm]] = {
    form.kind: form
    for form in (TelegramConnectForm, MessengerConnectForm, WhatsAppConnectForm, SmsConnectForm)
}
SECRET_FIELDS = ("token", "payment_provider_token", "access_token", "auth_token")
