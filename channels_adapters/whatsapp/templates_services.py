"""The message templates a shop registers for its WhatsApp numbers: Meta's rules for one
(checked here for every caller: the dashboard's page, the demo), adding and removing.

The model, `WhatsAppTemplate`, stays in channels_adapters/models.py with its migrations."""

import logging
import re

from django.core.exceptions import ValidationError

from channels_adapters.models import TEMPLATE_PLACEHOLDER, ChannelAccount, WhatsAppTemplate
from channels_adapters.registry import adapter_for

logger = logging.getLogger(__name__)

# Meta's rules for a template: lowercase letters, digits and underscores; a language code such
# as "fr" or "en_US"; a body of at most 1024 characters.
TEMPLATE_NAME = re.compile(r"^[a-z0-9_]{1,512}$")
TEMPLATE_LANGUAGE = re.compile(r"^[a-z]{2,3}(_[A-Z]{2})?$")
TEMPLATE_BODY_MAX = 1024
TEMPLATE_LABEL_MAX = 60


def _template_errors(
    *, channel: ChannelAccount, name: str, language: str, body_text: str, param_labels: list[str]
) -> dict[str, str]:
    errors = {}
    if not adapter_for(channel.kind).capabilities.templates:
        errors["channel"] = "Templates belong to a WhatsApp number."
    if not TEMPLATE_NAME.match(name):
        errors["name"] = (
            "The name as approved by Meta: lowercase letters, digits and underscores "
            "(order_update)."
        )
    if not TEMPLATE_LANGUAGE.match(language):
        errors["language"] = "A language code as Meta writes it: fr, en, en_US, pt_BR…"
    numbers = sorted({int(n) for n in TEMPLATE_PLACEHOLDER.findall(body_text)})
    if not body_text.strip():
        errors["body_text"] = "The template's body text, as approved."
    elif len(body_text) > TEMPLATE_BODY_MAX:
        errors["body_text"] = f"At most {TEMPLATE_BODY_MAX} characters, as WhatsApp allows."
    elif numbers != list(range(1, len(numbers) + 1)):
        errors["body_text"] = "Placeholders are numbered from {{1}} without gaps: {{1}}, {{2}}…"
    if len(param_labels) > len(numbers):
        errors["param_labels"] = (
            f"The body has {len(numbers)} placeholder(s) but {len(param_labels)} labels."
        )
    elif any(len(label) > TEMPLATE_LABEL_MAX for label in param_labels):
        errors["param_labels"] = f"Each label at most {TEMPLATE_LABEL_MAX} characters."
    return errors


def whatsapp_template_add(
    *,
    channel: ChannelAccount,
    name: str,
    language: str,
    body_text: str,
    param_labels: list[str] | tuple[str, ...] = (),
) -> WhatsAppTemplate:
    """Registers a template approved for `channel` (a WhatsApp number). Raises
    ValidationError naming the field at fault."""
    name, language = name.strip(), language.strip()
    labels = [label.strip() for label in param_labels]
    errors = _template_errors(
        channel=channel, name=name, language=language, body_text=body_text, param_labels=labels
    )
    if not errors and (
        WhatsAppTemplate.objects.filter(channel=channel, name=name, language=language).exists()
    ):
        errors["name"] = f"{name} ({language}) is already registered for this number."
    if errors:
        raise ValidationError(errors)
    return WhatsAppTemplate.objects.create(
        shop_id=channel.shop_id,
        channel=channel,
        name=name,
        language=language,
        body_text=body_text,
        param_labels=labels,
    )


def whatsapp_template_remove(*, template: WhatsAppTemplate, user=None) -> None:
    """Forgets a template (it stays approved at Meta): logged with who removed it."""
    logger.info(
        "whatsapp template removed",
        extra={
            "shop_id": template.shop_id,
            "channel_id": template.channel_id,
            "template": f"{template.name} ({template.language})",
            "body_text": template.body_text,
            "user_id": getattr(user, "pk", None),
        },
    )
    template.delete()
