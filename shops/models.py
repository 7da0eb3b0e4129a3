"""Tenants: a Shop, the people who run it (Membership) and the keys integrators use (ApiKey)."""

import zoneinfo

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from shops.money import is_currency


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        if not email:
            raise ValueError("A user needs an e-mail address.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who works on one or more shops; signs in with an e-mail address."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"

    def __str__(self) -> str:
        return self.email


def validate_currency(value: str) -> None:
    if not is_currency(value):
        raise ValidationError(f"'{value}' is not an ISO 4217 currency code.", code="currency")


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"'{value}' is not an IANA time zone.", code="timezone")


def shop_logo_path(shop: "Shop", filename: str) -> str:
    return f"shops/{shop.pk}/logo/{filename}"


class Language(models.TextChoices):
    ENGLISH = "en", "English"
    FRENCH = "fr", "Français"
    CHINESE = "zh-hans", "简体中文"


def validate_languages(value) -> None:
    """Shop.languages: a list of the codes of settings.LANGUAGES (Language), each once."""
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ValidationError("Expected a list of language codes.", code="languages")
    unknown = [code for code in value if code not in Language.values]
    if unknown:
        raise ValidationError(
            f"Unknown language “{unknown[0]}”; use some of: {', '.join(Language.values)}.",
            code="languages",
        )


def default_languages() -> list[str]:
    # What every shop offered before a shop chose (Souk then spoke these two): a new shop
    # gets no Chinese fields on its forms until it offers Chinese.
    return [Language.ENGLISH.value, Language.FRENCH.value]


class Shop(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    currency = models.CharField(max_length=3, default="EUR", validators=[validate_currency])
    language = models.CharField(max_length=7, choices=Language.choices, default=Language.ENGLISH)
    # The other languages offered to shoppers: a shopper speaking one is answered in it, and the
    # brand gets a translation field per language (shops/languages.py). Listing the shop's own
    # language does no harm; it is skipped.
    languages = models.JSONField(
        default=default_languages, blank=True, validators=[validate_languages]
    )
    timezone = models.CharField(
        max_length=64, default="Europe/Paris", validators=[validate_timezone]
    )
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=32, blank=True)
    # Re-encoded by Pillow before it is stored (shops/dashboard_forms.py): never the raw upload.
    logo = models.ImageField(upload_to=shop_logo_path, blank=True)
    # The brand's own words, sent as they are when a shopper asks about delivery or returns
    # (conversations/answers.py); blank means the bot offers a person instead of guessing.
    delivery_info = models.TextField(blank=True, max_length=1000)
    returns_info = models.TextField(blank=True, max_length=1000)
    # Those answers in the shop's other languages, {"en": {"delivery_info": …}}
    # (shops/translations.py): a shopper is answered in their language, else the shop's.
    translations = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    MANAGER = "manager", "Manager"
    AGENT = "agent", "Agent"


class MembershipQuerySet(models.QuerySet):
    # Same name as ShopScopedQuerySet's, so shops.tenancy.get_for_shop_or_404 works on it.
    def for_shop(self, shop: Shop) -> "MembershipQuerySet":
        return self.filter(shop=shop)


class Membership(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "user"], name="membership_one_per_shop_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.role} · {self.shop}"


class ApiKey(models.Model):
    """An integrator's key. Only a SHA-256 digest is stored; the key is shown once at creation."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=16, help_text="The key's visible start, to recognise it.")
    digest = models.CharField(max_length=64, unique=True)
    read_only = models.BooleanField(default=False)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["shop", "created_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class InvitationQuerySet(models.QuerySet):
    def for_shop(self, shop: Shop) -> "InvitationQuerySet":
        return self.filter(shop=shop)

    def pending(self) -> "InvitationQuerySet":
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )


class Invitation(models.Model):
    """An owner's invitation for an e-mail address to join the shop with a role. The link's
    token is sent once by e-mail; only its SHA-256 digest is stored, as for API keys."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Role.choices)
    digest = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        constraints = [
            # An open (neither accepted nor revoked) invitation per address: inviting again
            # replaces it (shops.team.invitation_create revokes the old one first).
            models.UniqueConstraint(
                fields=["shop", "email"],
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} · {self.role} · {self.shop}"

    @property
    def state(self) -> str:
        if self.accepted_at is not None:
            return "accepted"
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"


# Webhook and live event models live in their own modules; importing them here registers
# them with the app.
from shops.live_models import LiveEvent  # noqa: E402, F401
from shops.webhooks.models import WebhookDelivery, WebhookEndpoint  # noqa: E402, F401
