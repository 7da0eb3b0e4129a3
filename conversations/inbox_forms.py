"""Forms of the inbox: the list's filters, the conversation's actions (assign, labels, note) and
the settings page (canned replies, labels, business hours)."""

import re

from django import forms
from django.core.exceptions import ValidationError

from channels_adapters.models import ChannelAccount
from conversations.business_hours import DAYS
from conversations.inbox_selectors import STATUSES, InboxCounts, InboxFilters
from conversations.models import CannedReply, ConversationStatus, Label, LabelColour
from conversations.people import person_label
from conversations.phrases import WEEKDAYS
from shops.models import Membership

SHORTCUT = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
STATUS_LABELS = {"open": "Open", "resolved": "Resolved", "all": "All"}


def _channel_label(channel: ChannelAccount) -> str:
    kind = channel.get_kind_display()
    return f"{kind} · {channel.name}" if channel.name and channel.name != kind else kind


class InboxFilterForm(forms.Form):
    """Read from the query string; a value that is not valid is ignored."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": "Name, phone or words",
                "autocomplete": "off",
            }
        ),
    )
    status = forms.ChoiceField(
        label="Status", required=False, choices=[(s, STATUS_LABELS[s]) for s in STATUSES]
    )
    channel = forms.TypedChoiceField(label="Channel", required=False, coerce=int, empty_value=None)
    assigned = forms.ChoiceField(label="Assigned to", required=False)
    label = forms.TypedChoiceField(label="Label", required=False, coerce=int, empty_value=None)
    needs = forms.BooleanField(label="Needs a person", required=False)

    def __init__(self, data, *, channels, members, labels, **kwargs):
        super().__init__(data, **kwargs)
        self.channels, self.members, self.labels = channels, members, labels
        self.fields["channel"].choices = [("", "All channels")] + [
            (str(c.pk), _channel_label(c)) for c in channels
        ]
        self.fields["assigned"].choices = [
            ("", "Anyone"),
            ("me", "Me"),
            ("none", "Nobody"),
        ] + [(str(m.user_id), person_label(m.user)) for m in members]
        self.fields["label"].choices = [("", "Any label")] + [
            (str(label.pk), label.name) for label in labels
        ]
        for name in ("status", "channel", "assigned", "label", "needs"):
            self.fields[name].widget.attrs["data-autosubmit"] = ""
        self.is_valid()  # fills cleaned_data with the fields that are valid

    def filters(self) -> InboxFilters:
        data = self.cleaned_data
        return InboxFilters(
            status=data.get("status") or ConversationStatus.OPEN,
            channel_id=data.get("channel"),
            needs_person=bool(data.get("needs")),
            assigned=data.get("assigned") or "",
            label_id=data.get("label"),
            query=(data.get("q") or "").strip(),
        )

    def show_counts(self, counts: InboxCounts, user) -> None:
        """Each choice says how many conversations it would show."""

        def with_count(label: str, count: int) -> str:
            return f"{label} ({count})"

        self.fields["status"].choices = [
            (s, with_count(STATUS_LABELS[s], counts.statuses[s])) for s in STATUSES
        ]
        self.fields["channel"].choices = [("", "All channels")] + [
            (str(c.pk), with_count(_channel_label(c), counts.channels[c.pk])) for c in self.channels
        ]
        self.fields["assigned"].choices = [
            ("", "Anyone"),
            ("me", with_count("Me", counts.mine)),
            ("none", with_count("Nobody", counts.unassigned)),
        ] + [
            (str(m.user_id), with_count(person_label(m.user), counts.members[m.user_id]))
            for m in self.members
            if m.user_id != user.pk
        ]
        self.fields["label"].choices = [("", "Any label")] + [
            (str(label.pk), with_count(label.name, counts.labels[label.pk]))
            for label in self.labels
        ]
        # The bound field copied the label when the form was validated.
        self["needs"].label = with_count("Needs a person", counts.needs_person)


class AssignForm(forms.Form):
    assignee = forms.ChoiceField(label="Assigned to", required=False)

    def __init__(self, *args, members: list[Membership], **kwargs):
        super().__init__(*args, **kwargs)
        self.members = {m.user_id: m.user for m in members}
        self.fields["assignee"].choices = [("", "Nobody")] + [
            (str(m.user_id), person_label(m.user)) for m in members
        ]

    def chosen(self):
        value = self.cleaned_data.get("assignee")
        return self.members[int(value)] if value else None


class LabelsForm(forms.Form):
    labels = forms.ModelMultipleChoiceField(
        label="Labels",
        required=False,
        queryset=Label.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, labels, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["labels"].queryset = labels


class NoteForm(forms.Form):
    text = forms.CharField(
        label="Private note",
        max_length=4000,
        help_text="Only your team sees notes; the shopper never does.",
        widget=forms.Textarea(attrs={"rows": 3, "id": "note-text"}),
    )


class CannedReplyForm(forms.ModelForm):
    class Meta:
        model = CannedReply
        fields = ["shortcut", "text"]
        labels = {"shortcut": "Shortcut", "text": "Text"}
        help_texts = {
            "shortcut": "Typed after a slash in the reply box: “delay” is typed /delay.",
        }
        widgets = {"text": forms.Textarea(attrs={"rows": 3, "maxlength": 2000})}

    def __init__(self, *args, shop, **kwargs):
        super().__init__(*args, **kwargs)
        self.shop = shop
        self.fields["text"].max_length = 2000
        self.fields["shortcut"].widget.attrs["autocomplete"] = "off"

    def clean_shortcut(self) -> str:
        shortcut = self.cleaned_data["shortcut"].strip().lstrip("/").lower()
        if not SHORTCUT.match(shortcut):
            raise ValidationError(
                "Use lower-case letters, digits, - or _ (no spaces), e.g. delay or size-guide."
            )
        taken = CannedReply.objects.for_shop(self.shop).filter(shortcut=shortcut)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError(f"/{shortcut} is already a canned reply.")
        return shortcut


class LabelForm(forms.ModelForm):
    class Meta:
        model = Label
        fields = ["name", "colour"]
        labels = {"name": "Label", "colour": "Colour"}

    def __init__(self, *args, shop, **kwargs):
        super().__init__(*args, **kwargs)
        self.shop = shop
        self.fields["colour"].choices = LabelColour.choices

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        taken = Label.objects.for_shop(self.shop).filter(name__iexact=name)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError(f"There is already a label named “{name}”.")
        return name


class HoursForm(forms.Form):
    """Opening and closing time per weekday, in the shop's time zone; both empty: closed."""

    away_message = forms.CharField(
        label="Away message",
        required=False,
        max_length=500,
        help_text=(
            "Added to what the bot says when a shopper asks for a person outside these hours."
        ),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for day in DAYS:
            name = WEEKDAYS["en"][day]
            time_input = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
            self.fields[f"opens_{day}"] = forms.TimeField(
                label=f"{name} opens", required=False, widget=time_input
            )
            self.fields[f"closes_{day}"] = forms.TimeField(
                label=f"{name} closes", required=False, widget=time_input
            )

    @classmethod
    def initial_from(cls, hours: dict, away_message: str) -> dict:
        initial = {"away_message": away_message}
        for day in DAYS:
            span = (hours or {}).get(str(day))
            if isinstance(span, list | tuple) and len(span) == 2:
                initial[f"opens_{day}"], initial[f"closes_{day}"] = span
        return initial

    def days(self):
        """(weekday name, opens field, closes field) per day, for the template."""
        return [(WEEKDAYS["en"][day], self[f"opens_{day}"], self[f"closes_{day}"]) for day in DAYS]

    def clean(self):
        data = super().clean()
        for day in DAYS:
            opens, closes = data.get(f"opens_{day}"), data.get(f"closes_{day}")
            if (opens is None) != (closes is None):
                self.add_error(f"closes_{day}", "Give both times, or neither for a closed day.")
            elif opens is not None and opens >= closes:
                self.add_error(f"closes_{day}", "Closing comes after opening.")
        return data

    def hours(self) -> dict:
        data = self.cleaned_data
        hours = {}
        for day in DAYS:
            opens, closes = data.get(f"opens_{day}"), data.get(f"closes_{day}")
            if opens is not None and closes is not None:
                hours[str(day)] = [opens.strftime("%H:%M"), closes.strftime("%H:%M")]
        return hours
