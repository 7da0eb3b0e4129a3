"""The composer's two forms: a free-text reply, and a WhatsApp template with its values (one
group of fields per registered template; only the chosen one is read). The rules they are
checked against live in conversations.composer."""

from dataclasses import dataclass

from django import forms

from channels_adapters.models import WhatsAppTemplate
from conversations.composer import REPLY_MAX

PARAM_MAX = 1024
CANNED_HELP = "Type / and a shortcut to insert a saved reply. Ctrl+Enter (⌘+Enter) sends."


class ReplyForm(forms.Form):
    mode = forms.CharField(widget=forms.HiddenInput, initial="text")
    text = forms.CharField(
        label="Reply",
        max_length=REPLY_MAX,
        strip=False,
        widget=forms.Textarea(
            attrs={
                "id": "composer-text",
                "rows": 3,
                "autocomplete": "off",
                "aria-autocomplete": "list",
                "aria-controls": "composer-canned",
                "aria-describedby": "composer-help",
                "data-composer-text": "",
            }
        ),
        error_messages={"required": "Write a reply first."},
    )

    def clean_text(self) -> str:
        text = self.cleaned_data["text"]
        if not text.strip():
            raise forms.ValidationError("Write a reply first.")
        return text


def _param_name(template: WhatsAppTemplate, number: int) -> str:
    return f"t{template.pk}_p{number}"


@dataclass
class TemplateGroup:
    template: WhatsAppTemplate
    fields: list[forms.BoundField]
    chosen: bool
    preview: str  # the body with what was typed, "[label]" where nothing was


class TemplateReplyForm(forms.Form):
    mode = forms.CharField(widget=forms.HiddenInput, initial="template")
    template = forms.TypedChoiceField(
        label="Template",
        coerce=int,
        widget=forms.Select(attrs={"id": "composer-template", "data-composer-template": ""}),
    )

    def __init__(self, *args, templates: list[WhatsAppTemplate], **kwargs):
        super().__init__(*args, **kwargs)
        self.templates = {template.pk: template for template in templates}
        self.fields["template"].choices = [(template.pk, str(template)) for template in templates]
        for template in templates:
            for number, label in enumerate(template.labels, start=1):
                self.fields[_param_name(template, number)] = forms.CharField(
                    label=label,
                    required=False,
                    max_length=PARAM_MAX,
                    widget=forms.TextInput(
                        attrs={"data-param": str(number), "autocomplete": "off"}
                    ),
                )

    def groups(self) -> list[TemplateGroup]:
        """Each template with its value fields, for the page to lay out."""
        chosen = self.chosen_id()
        groups = []
        for template in self.templates.values():
            fields = [self[_param_name(template, n)] for n in range(1, template.param_count + 1)]
            values = [
                (field.value() or "").strip() or f"[{label}]"
                for field, label in zip(fields, template.labels, strict=True)
            ]
            groups.append(
                TemplateGroup(template, fields, template.pk == chosen, template.filled(values))
            )
        return groups

    def chosen_id(self) -> int | None:
        value = self["template"].value()
        try:
            return int(value) if value not in (None, "") else next(iter(self.templates), None)
        except (TypeError, ValueError):
            return None

    def clean(self):
        cleaned = super().clean()
        template = self.templates.get(cleaned.get("template"))
        if template is None:
            return cleaned
        for number in range(1, template.param_count + 1):
            name = _param_name(template, number)
            if not (cleaned.get(name) or "").strip():
                self.add_error(name, "Fill this in: it goes into the message.")
        return cleaned

    def chosen(self) -> tuple[WhatsAppTemplate, tuple[str, ...]]:
        template = self.templates[self.cleaned_data["template"]]
        params = tuple(
            self.cleaned_data[_param_name(template, n)].strip()
            for n in range(1, template.param_count + 1)
        )
        return template, params
