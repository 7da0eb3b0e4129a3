"""The dashboard's endpoint form: the shape only. Which URLs and event types are allowed is
the service's rule (shops.webhooks.services), shown beside the field it names."""

from django import forms

from shops.events import EVENT_TYPES

EVENT_LABELS = {
    "order.created": "order.created: an order was placed",
    "order.paid": "order.paid: an order was paid",
    "order.fulfilled": "order.fulfilled: an order was shipped or handed over",
    "order.cancelled": "order.cancelled: an order was cancelled",
    "order.refunded": "order.refunded: money was given back",
    "conversation.handoff": "conversation.handoff: a person takes over from the bot",
    "conversation.handback": "conversation.handback: the bot answers again",
    "conversation.message_sent": "conversation.message_sent: a person wrote to a shopper",
    "conversation.assigned": "conversation.assigned: a conversation was assigned",
    "conversation.resolved": "conversation.resolved: a conversation was resolved",
    "conversation.reopened": "conversation.reopened: a conversation was reopened",
}


class WebhookEndpointForm(forms.Form):
    url = forms.URLField(
        label="URL",
        max_length=2000,
        assume_scheme="https",
        help_text="Where Souk POSTs the signed events: a public https:// address.",
        widget=forms.URLInput(attrs={"placeholder": "https://", "autocomplete": "off"}),
    )
    # Not required here: "at least one" is the service's rule and message.
    events = forms.MultipleChoiceField(
        label="Events",
        required=False,
        choices=[(event, EVENT_LABELS.get(event, event)) for event in EVENT_TYPES],
        widget=forms.CheckboxSelectMultiple,
    )
    description = forms.CharField(
        label="Description", max_length=200, required=False, help_text="Optional: what it is for."
    )


class WebhookEndpointEditForm(WebhookEndpointForm):
    is_active = forms.BooleanField(
        label="Active (deliver events to this URL)", required=False, initial=True
    )
