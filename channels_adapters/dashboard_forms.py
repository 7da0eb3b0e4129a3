"""The dashboard's connect forms, one per connectable channel, built from what its adapter
declares (`connect_fields`, `connect_guide`): a new channel brings its own form. They only
collect what `setup.channel_connect` takes (the rules are the adapter's, shared with the API)
and put its errors beside the field they name. Secrets are password inputs and never rendered
back. Every text is lazy: the connect page shows it in the shop's language."""

from functools import cache
from typing import ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import pgettext_lazy

from channels_adapters import registry
from channels_adapters.base import ConnectField, ConnectGuide

SECRET_MAX = 1000  # as the API's ChannelConnectSerializer
EXTERNAL_ID_MAX = 64


class ChannelConnectForm(forms.Form):
    kind: ClassVar[str]
    guide: ClassVar[ConnectGuide]
    credential_fields: ClassVar[tuple[str, ...]]

    name = forms.CharField(
        label=pgettext_lazy("connect", "Name in Souk"),
        required=False,
        max_length=120,
        help_text=pgettext_lazy("connect", "How this channel is listed in the dashboard."),
    )

    @property
    def title(self) -> str:
        return self.guide.title

    @property
    def steps(self) -> tuple[str, ...]:
        return self.guide.steps

    @property
    def webhook_help(self) -> str:
        return self.guide.webhook_help

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
        """The service names fields as the API does (`credentials.token`, `external_id`). Its
        errors are kept as they are (not `message_dict`'s strings), so a lazy message is
        rendered in the page's language."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for key, errors in error.error_dict.items():
            field = key.removeprefix("credentials.")
            self.add_error(field if field in self.fields else None, errors)


def _form_field(spec: ConnectField) -> forms.CharField:
    if spec.secret:
        widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"})
    elif spec.input_type:
        widget = forms.TextInput(attrs={"type": spec.input_type, "autocomplete": "off"})
    else:
        widget = forms.TextInput
    return forms.CharField(
        label=spec.label,
        help_text=spec.help_text,
        required=spec.required,
        max_length=EXTERNAL_ID_MAX if spec.name == "external_id" else SECRET_MAX,
        widget=widget,
    )


@cache
def connect_form(kind: str) -> type[ChannelConnectForm] | None:
    """The connect form of a connectable `kind` (None otherwise): the adapter's fields in
    its order, then the name in Souk."""
    if not registry.is_kind(kind) or registry.is_built_in(kind):
        return None
    adapter = registry.adapter_for(kind)
    if adapter.connect_guide is None:
        return None
    fields = {spec.name: _form_field(spec) for spec in adapter.connect_fields}
    attrs = {
        "kind": kind,
        "guide": adapter.connect_guide,
        "credential_fields": tuple(name for name in fields if name != "external_id"),
        **fields,
        "field_order": [*fields, "name"],
    }
    return type(f"{kind.title()}ConnectForm", (ChannelConnectForm,), attrs)


def connectable() -> list[tuple[str, str]]:
    """(kind, the connect page's title) of every channel a brand can connect."""
    return [
        (kind, form.guide.title)
        for kind, _label in registry.connectable_choices()
        if (form := connect_form(kind)) is not None
    ]
