"""Forms of the shop's settings, team and invitation pages. They check what was typed; the
rules (currency locked by orders, last owner, already a member…) are in the services, whose
ValidationErrors are put beside the fields with `add_service_errors`."""

import zoneinfo

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

# The one Pillow cleaning of uploads (re-encoded, metadata dropped); it imports nothing from
# catalog, so the settings page can share it without shops depending on the catalog's models.
from shops.images import ACCEPTED_FORMATS, clean_upload
from shops.models import Language, Role, Shop
from shops.translations import (
    SHOP_FIELDS,
    language_name,
    translation_key,
    translation_languages,
    translations_from_flat,
    unoffered_translations,
)


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """A service's ValidationError on the form: beside the field it names when the form has
    that field, in the form's own error block otherwise."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages in error.message_dict.items():
        target = field if field in form.fields else None
        if field == NON_FIELD_ERRORS:
            target = None
        form.add_error(target, messages)


def _timezone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


IMAGE_ACCEPT = ",".join(f"image/{fmt.lower()}" for fmt in sorted(ACCEPTED_FORMATS))


class ShopProfileForm(forms.Form):
    name = forms.CharField(label="Shop name", max_length=120)
    logo = forms.FileField(
        label="New logo image",
        required=False,
        help_text="JPEG, PNG, WebP or GIF. Stored re-encoded, without its metadata.",
        widget=forms.FileInput(attrs={"accept": IMAGE_ACCEPT, "data-preview": "#logo-preview"}),
    )
    remove_logo = forms.BooleanField(label="Remove the logo", required=False)
    language = forms.ChoiceField(
        label="Language",
        choices=Language.choices,
        help_text="The shopping bot speaks it to shoppers; amounts are written its way.",
    )
    languages = forms.MultipleChoiceField(
        label="Languages offered",
        choices=Language.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=(
            "Besides the shop's language: a shopper who speaks one of these is answered in it, "
            "and products get a translation field for each. Others are answered in the shop's "
            "language."
        ),
    )
    currency = forms.CharField(
        label="Currency",
        min_length=3,
        max_length=3,
        help_text=(
            "ISO 4217 code, such as EUR or USD. Changing it does not convert prices: 24,90 "
            "stays 24,90 in the new currency. It cannot change once the shop has orders."
        ),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )
    timezone = forms.ChoiceField(label="Time zone", choices=_timezone_choices)
    contact_email = forms.EmailField(label="Contact e-mail", required=False)
    contact_phone = forms.CharField(label="Contact phone", max_length=32, required=False)
    delivery_info = forms.CharField(
        label="Delivery: the bot's answer",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=(
            "Sent as written, in the shop's language, when a shopper asks how long delivery "
            "takes or what it costs. Example: “Livraison en 48 h en France, offerte dès 60 €.” "
            "Left empty, the bot offers to put the shopper in touch with your team."
        ),
    )
    returns_info = forms.CharField(
        label="Returns: the bot's answer",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=(
            "Sent as written when a shopper asks about returns, exchanges or refunds. Example: "
            "“Retours gratuits sous 30 jours, remboursement sous 5 jours.” Left empty, the bot "
            "offers to put the shopper in touch with your team."
        ),
    )

    def __init__(self, *args, shop: Shop, currency_locked: bool = False, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "name": shop.name,
                "language": shop.language,
                "languages": list(shop.languages or ()),
                "currency": shop.currency,
                "timezone": shop.timezone,
                "contact_email": shop.contact_email,
                "contact_phone": shop.contact_phone,
                "delivery_info": shop.delivery_info,
                "returns_info": shop.returns_info,
            },
        )
        super().__init__(*args, **kwargs)
        self.shop = shop
        self._add_answer_translations(shop)
        if currency_locked:
            # Read-only rather than disabled: a changed value still reaches the service,
            # which says why it is refused.
            self.fields["currency"].widget.attrs["readonly"] = True
            self.fields[
                "currency"
            ].help_text = f"Locked: the shop has orders in {shop.currency}, so its currency stays."
        if not shop.logo:
            del self.fields["remove_logo"]

    def _add_answer_translations(self, shop: Shop) -> None:
        """One field per answer and per language the shop offers besides its own
        (delivery_info_en…), filled from Shop.translations."""
        self.translation_fields = []
        for field in SHOP_FIELDS:
            main = self.fields[field]
            label = main.label
            main.label = f"{label} in {language_name(shop.language)}"
            main.widget.attrs["lang"] = shop.language
            for language in translation_languages(shop):
                name = translation_key(field, language)
                self.fields[name] = forms.CharField(
                    label=f"{label} in {language_name(language)}",
                    max_length=SHOP_FIELDS[field],
                    required=False,
                    widget=forms.Textarea(attrs={"rows": 3, "lang": language}),
                    help_text=(
                        f"Sent to shoppers who speak {language_name(language)}. Left empty, "
                        "they get the answer above."
                    ),
                )
                self.initial.setdefault(
                    name, ((shop.translations or {}).get(language) or {}).get(field, "")
                )
                self.translation_fields.append(name)

    def answer_fields(self) -> list:
        """The answers in the page's order: each in the shop's language, then its
        translations."""
        names = []
        for field in SHOP_FIELDS:
            names.append(field)
            names.extend(n for n in self.translation_fields if n.startswith(f"{field}_"))
        return [self[name] for name in names]

    def clean(self):
        data = super().clean()
        new_language = data.get("language")
        if new_language and new_language != self.shop.language:
            # The shop's language changes in this very save: its translation becomes the
            # shop's own text, which belongs in the main field.
            for field in SHOP_FIELDS:
                name = translation_key(field, new_language)
                if data.get(name, "").strip():
                    self.add_error(
                        name,
                        f"{language_name(new_language)} becomes the shop's language: write "
                        "this answer in the field above and leave this one empty.",
                    )
        return data

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].strip().upper()

    def clean_logo(self):
        upload = self.cleaned_data.get("logo")
        if not upload:
            return None
        try:
            return clean_upload(upload, field="logo").content
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["logo"]) from exc

    def service_fields(self) -> dict:
        """What shop_update receives: the logo only when it changes."""
        skipped = {"logo", "remove_logo", *self.translation_fields}
        data = {k: v for k, v in self.cleaned_data.items() if k not in skipped}
        # Answers in a language the shop no longer offers have no field: they are kept, so
        # offering it again brings them back.
        kept = {
            language: texts
            for language, texts in unoffered_translations(self.shop.translations, self.shop).items()
            if language != self.cleaned_data.get("language")
        }
        data["translations"] = kept | translations_from_flat(
            self.cleaned_data, fields=SHOP_FIELDS, shop_language=self.shop
        )
        if self.cleaned_data.get("logo") is not None:
            data["logo"] = self.cleaned_data["logo"]
        elif self.cleaned_data.get("remove_logo"):
            data["logo"] = None
        return data


class InvitationForm(forms.Form):
    email = forms.EmailField(label="E-mail address")
    role = forms.ChoiceField(
        label="Role",
        choices=Role.choices,
        initial=Role.AGENT,
        help_text=(
            "Agents answer shoppers and read orders; managers also run the catalogue, orders, "
            "channels and shipping; owners also manage settings, the team and integrations."
        ),
    )


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=Role.choices)


class InvitationSignupForm(forms.Form):
    """A new team member's account: the address is the invitation's."""

    full_name = forms.CharField(
        label="Your name", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label="Password (again)",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password_again") != data["password"]:
            self.add_error("password_again", "The two passwords differ.")
        return data
