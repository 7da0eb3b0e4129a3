"""The dashboard's form to register a WhatsApp template: it collects what
`templates_services.whatsapp_template_add` takes, whose rules (Meta's) it shares with every
caller."""

from django import forms
from django.core.exceptions import ValidationError

from channels_adapters.whatsapp.templates_services import TEMPLATE_BODY_MAX


class WhatsAppTemplateForm(forms.Form):
    channel = forms.ModelChoiceField(queryset=None, label="WhatsApp number", empty_label=None)
    name = forms.CharField(
        label="Template name",
        max_length=512,
        help_text="Exactly as approved in WhatsApp Manager, e.g. order_update.",
    )
    language = forms.CharField(
        label="Language code",
        max_length=15,
        help_text="The language it was approved in: fr, en_US, pt_BR…",
    )
    body_text = forms.CharField(
        label="Body text",
        max_length=TEMPLATE_BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Copied from WhatsApp Manager with its placeholders: "
        "Hello {{1}}, your order {{2}} has shipped.",
    )
    param_labels = forms.CharField(
        label="What each placeholder is",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One line per placeholder, in order (Customer name, Order number…): "
        "the labels agents see when they fill it in.",
    )

    def __init__(self, *args, channels, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = channels

    def add_kwargs(self) -> dict:
        data = self.cleaned_data
        labels = [line.strip() for line in data["param_labels"].splitlines()]
        while labels and not labels[-1]:
            labels.pop()
        return {
            "channel": data["channel"],
            "name": data["name"],
            "language": data["language"],
            "body_text": data["body_text"],
            "param_labels": labels,
        }

    def add_service_errors(self, error: ValidationError) -> None:
        for field, messages in error.message_dict.items():
            self.add_error(field if field in self.fields else None, messages)
