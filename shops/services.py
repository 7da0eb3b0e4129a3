import logging
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from shops.languages import souk_languages
from shops.models import ApiKey, Membership, Role, Shop, User
from shops.selectors import API_KEY_PREFIX, api_key_digest, shop_has_orders
from shops.translations import SHOP_FIELDS, TranslationError, translations_clean

logger = logging.getLogger(__name__)

SHOP_EDITABLE_FIELDS = frozenset(
    {
        "name",
        "logo",
        "language",
        "languages",
        "currency",
        "timezone",
        "contact_email",
        "contact_phone",
        "delivery_info",
        "returns_info",
        "translations",
    }
)
CURRENCY_LOCKED = (
    "The currency cannot change once the shop has orders: their amounts are in {currency}."
)


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "shop"
    slug, n = base, 1
    while Shop.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def shop_create(
    *,
    name: str,
    owner_email: str,
    currency: str = "EUR",
    language: str = "en",
    timezone_name: str = "Europe/Paris",
    slug: str | None = None,
    owner_password: str | None = None,
) -> Shop:
    """A shop with its owner (created if new; an existing user keeps their password).
    Raises ValidationError naming a bad field."""
    with transaction.atomic():
        shop = Shop(
            name=name,
            slug=slug or _unique_slug(name),
            currency=currency.upper(),
            language=language,
            timezone=timezone_name,
            contact_email=owner_email,
        )
        shop.full_clean()
        shop.save()
        owner = User.objects.filter(email__iexact=owner_email).first()
        if owner is None:
            # Without a password the owner cannot sign in until they set one (password reset).
            owner = User.objects.create_user(owner_email, owner_password)
        Membership.objects.create(shop=shop, user=owner, role=Role.OWNER)
    return shop


def shop_update(*, shop: Shop, actor: User | None = None, **fields) -> Shop:
    """Changes the shop's profile (the dashboard's settings page and PATCH /api/v1/shop/).

    Raises ValidationError naming each bad field; nothing is saved then. The currency is
    refused once the shop has orders. Prices are never converted: a new currency re-reads the
    same minor units. `logo` is an already cleaned image file, or None to remove it.
    `translations` are the answers in the shop's other languages (shops/translations.py)."""
    unknown = set(fields) - SHOP_EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"shop_update() cannot change {sorted(unknown)}")
    if isinstance(fields.get("currency"), str):
        fields["currency"] = fields["currency"].strip().upper()
    with transaction.atomic():
        locked = Shop.objects.select_for_update().get(pk=shop.pk)
        old_logo = locked.logo.name
        new_currency = fields.get("currency", locked.currency)
        if new_currency != locked.currency and shop_has_orders(shop=locked):
            raise ValidationError({"currency": CURRENCY_LOCKED.format(currency=locked.currency)})
        if "translations" in fields:
            # Checked against the language the shop will have, which may change in this call.
            fields["translations"] = _translations_checked(
                fields["translations"], shop_language=fields.get("language", locked.language)
            )
        if "languages" in fields:
            fields["languages"] = _languages_checked(fields["languages"])
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.full_clean()
        locked.save()
        if old_logo and old_logo != locked.logo.name:
            storage = locked.logo.storage
            transaction.on_commit(lambda: storage.delete(old_logo))
    logger.info(
        "shop %s profile updated by %s: %s", locked.pk, _who(actor), ", ".join(sorted(fields))
    )
    return locked


def _languages_checked(value) -> list[str]:
    """The offered languages as stored: each once, in settings.LANGUAGES order."""
    if isinstance(value, (list, tuple)) and all(isinstance(code, str) for code in value):
        value = list(value)
        try:
            Shop._meta.get_field("languages").run_validators(value)
        except ValidationError as exc:  # names the unknown code
            raise ValidationError({"languages": exc.messages}) from exc
        return [code for code in souk_languages() if code in value]
    raise ValidationError({"languages": 'Expected a list of language codes, such as ["en"].'})


def _translations_checked(value, *, shop_language: str) -> dict:
    try:
        return translations_clean(value, fields=SHOP_FIELDS, shop_language=shop_language)
    except TranslationError as exc:
        raise ValidationError({"translations": str(exc)}) from exc


def _who(actor: User | None) -> str:
    return f"user {actor.pk}" if actor is not None else "api"


def api_key_create(
    *, shop: Shop, name: str, read_only: bool = False, created_by: User | None = None
) -> tuple[ApiKey, str]:
    """A new key and its clear text, which is returned this once and never stored."""
    raw_key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        shop=shop,
        name=name,
        prefix=raw_key[:12],
        digest=api_key_digest(raw_key),
        read_only=read_only,
        created_by=created_by,
    )
    return key, raw_key


def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
    return api_key
