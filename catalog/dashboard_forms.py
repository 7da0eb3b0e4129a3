"""Forms of the catalog's dashboard pages. They read what a person typed ("24,90",
"size=38, colour=Red", "linen, summer"); the rules that protect the data (unique SKUs, valid
images, stock never below zero) stay in catalog.services, whose errors the views put back
beside the field they name."""

from django import forms
from django.core.exceptions import ValidationError

from catalog import selectors
from catalog.models import Product
from catalog.serializers import MAX_OPTIONS, MAX_TAGS
from catalog.translations import (
    CATEGORY_FIELDS,
    PRODUCT_FIELDS,
    VARIANT_FIELDS,
    TranslationError,
    translation_key,
    translation_languages,
    translations_clean,
    translations_from_flat,
)
from shops.form_fields import MoneyField
from shops.translations import language_name, unoffered_translations

MAX_OPTION_NAME, MAX_OPTION_VALUE, MAX_TAG = 30, 60, 40


# --- Text ⇄ data ---------------------------------------------------------------------------------


def options_to_text(options: dict | None) -> str:
    return ", ".join(f"{name}={value}" for name, value in (options or {}).items())


def parse_options(text: str) -> dict[str, str]:
    """ "size=38, colour=Red" → {"size": "38", "colour": "Red"}."""
    options: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = (s.strip() for s in part.partition("="))
        if not sep or not name or not value:
            raise ValidationError(
                f"Write each option as name=value, such as size=38 (not '{part}')."
            )
        if len(name) > MAX_OPTION_NAME or len(value) > MAX_OPTION_VALUE:
            raise ValidationError(
                f"Option names are at most {MAX_OPTION_NAME} characters, values {MAX_OPTION_VALUE}."
            )
        if name in options:
            raise ValidationError(f"The option '{name}' is given twice.")
        options[name] = value
    if len(options) > MAX_OPTIONS:
        raise ValidationError(f"At most {MAX_OPTIONS} options (e.g. size, colour, material).")
    return options


def parse_tags(text: str) -> list[str]:
    tags: list[str] = []
    for tag in filter(None, (t.strip() for t in text.split(","))):
        if len(tag) > MAX_TAG:
            raise ValidationError(f"Tags are at most {MAX_TAG} characters ('{tag[:20]}…').")
        if tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise ValidationError(f"At most {MAX_TAGS} tags.")
    return tags


# --- Uploads -------------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one <input multiple>; whether each is an image is the service's
    call (shops.images.clean_upload), so the rule lives in one place."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None) -> list:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


def image_input(preview: str) -> MultipleFileInput:
    return MultipleFileInput(attrs={"accept": "image/*", "data-preview": preview})


# --- Text in the shop's other languages ----------------------------------------------------------


class TranslatedFieldsMixin:
    """One field per translatable text and per language the shop offers besides its own
    ("title_en", as the CSV columns are named), checked by catalog.translations like the API
    and the CSV import; a blank one removes that translation."""

    translatable: dict[str, int] = {}
    translation_fields: list[str]

    def add_translation_fields(self, shop) -> None:
        self.shop_language = shop  # the Shop: its own language and those it offers
        self.translation_fields = []
        self.translation_groups = []  # (language name, [field names]) for the template
        for language in translation_languages(shop):
            names = []
            for field, longest in self.translatable.items():
                main = self.fields[field]
                name = translation_key(field, language)
                self.fields[name] = forms.CharField(
                    label=f"{main.label or field.capitalize()} in {language_name(language)}",
                    max_length=longest,
                    required=False,
                    widget=_translation_widget(main.widget, language),
                    help_text=(
                        f"Shown to shoppers who speak {language_name(language)}; left empty, "
                        "they see the text above."
                    ),
                )
                names.append(name)
            self.translation_fields.extend(names)
            self.translation_groups.append((language_name(language), names))

    def translation_groups_bound(self) -> list:
        return [(name, [self[f] for f in fields]) for name, fields in self.translation_groups]

    def clean(self):
        data = super().clean()
        if not any(name in self.errors for name in self.translation_fields):
            try:
                data["translations"] = self._translations()
            except ValidationError as exc:
                self.add_error(None, exc)
        return data

    def _translations(self) -> dict:
        # Texts in a language the shop no longer offers have no field: kept as they were.
        stored = translations_from_flat(
            self.initial, fields=self.translatable, shop_language=self.shop_language.language
        )
        kept = unoffered_translations(stored, self.shop_language)
        try:
            return translations_clean(
                kept
                | translations_from_flat(
                    self.cleaned_data, fields=self.translatable, shop_language=self.shop_language
                ),
                fields=self.translatable,
                shop_language=self.shop_language,
            )
        except TranslationError as exc:  # the fields' own limits catch these first
            raise ValidationError(str(exc)) from exc

    @staticmethod
    def translation_initial(obj) -> dict:
        return {
            translation_key(field, language): text
            for language, texts in (obj.translations or {}).items()
            for field, text in texts.items()
        }


def _translation_widget(main: forms.Widget, language: str) -> forms.Widget:
    # `lang` so the browser spell-checks (and a screen reader speaks) the right language.
    if isinstance(main, forms.Textarea):
        return forms.Textarea(attrs={**main.attrs, "lang": language})
    return forms.TextInput(attrs={"lang": language})


# --- Product and variants ------------------------------------------------------------------------


class ProductForm(TranslatedFieldsMixin, forms.Form):
    translatable = PRODUCT_FIELDS

    title = forms.CharField(max_length=200)
    description = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 5})
    )
    category = forms.ModelChoiceField(queryset=None, required=False, empty_label="No category")
    active = forms.BooleanField(
        required=False,
        initial=True,
        label="Active",
        help_text="Shoppers see active products in every channel.",
    )
    tags = forms.CharField(
        required=False,
        max_length=1000,
        help_text="Separated by commas: linen, summer, bestseller.",
    )

    def __init__(self, *args, shop, with_images: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = selectors.category_list(shop=shop)
        self.add_translation_fields(shop)
        if with_images:
            self.fields["images"] = MultipleFileField(
                required=False,
                label="Choose images",
                widget=image_input("#new-image-preview"),
                help_text="JPEG, PNG or WebP. The first image is the one shoppers see first.",
            )

    def clean_tags(self) -> list[str]:
        return parse_tags(self.cleaned_data["tags"])

    def product_values(self) -> dict:
        data = self.cleaned_data
        names = ("title", "description", "category", "active", "tags", "translations")
        return {name: data[name] for name in names}

    @staticmethod
    def initial_for(product: Product) -> dict:
        return {
            "title": product.title,
            "description": product.description,
            "category": product.category_id,
            "active": product.active,
            "tags": ", ".join(product.tags or []),
            **ProductForm.translation_initial(product),
        }


class VariantForm(TranslatedFieldsMixin, forms.Form):
    translatable = VARIANT_FIELDS

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(max_length=120, help_text="What the shopper picks: Red, 38.")
    sku = forms.CharField(max_length=64, label="SKU")
    options = forms.CharField(
        required=False, max_length=400, help_text="Optional: size=38, colour=Red."
    )
    stock = forms.IntegerField(min_value=0, max_value=10**9, initial=0, required=False)
    track_stock = forms.BooleanField(required=False, initial=True, label="Track stock")

    def __init__(self, *args, shop, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["price"] = MoneyField(
            currency=shop.currency,
            language=shop.language,
            help_text=f"In {shop.currency}, such as 24,90.",
        )
        # Field order: price after the SKU, where people expect it.
        self.order_fields(["id", "name", "sku", "price", "options", "stock", "track_stock"])
        self.add_translation_fields(shop)
        if self.initial.get("id"):
            # An existing variant's stock changes through "Adjust stock" (logged, never lost
            # to a concurrent sale), not by overwriting the number here.
            self.fields["stock"].disabled = True
            self.fields["stock"].help_text = "Change it with “Adjust stock” below."

    def clean_sku(self) -> str:
        return self.cleaned_data["sku"].strip()

    def clean_options(self) -> dict:
        return parse_options(self.cleaned_data["options"])

    def variant_values(self) -> dict:
        data = self.cleaned_data
        values = {
            "sku": data["sku"],
            "name": data["name"],
            "options": data["options"],
            "price": data["price"],
            "track_stock": data["track_stock"],
            "translations": data["translations"],
        }
        if data.get("id"):
            values["id"] = data["id"]
        else:
            values["stock"] = data.get("stock") or 0
        return values

    @staticmethod
    def initial_for(variant) -> dict:
        return {
            "id": variant.pk,
            "name": variant.name,
            "sku": variant.sku,
            "options": options_to_text(variant.options),
            "price": variant.price,
            "stock": variant.stock,
            "track_stock": variant.track_stock,
            **VariantForm.translation_initial(variant),
        }


class BaseVariantFormSet(forms.BaseFormSet):
    def kept_forms(self) -> list[VariantForm]:
        """The rows to save, in page order: not removed, and not left blank."""
        kept = []
        for form in self.forms:
            removed = self.can_delete and self._should_delete_form(form)
            blank = not form.initial and not form.has_changed()
            if not removed and not blank:
                kept.append(form)
        return kept


VariantFormSet = forms.formset_factory(
    VariantForm,
    formset=BaseVariantFormSet,
    extra=0,
    min_num=1,
    validate_min=True,
    max_num=100,
    validate_max=True,
    can_delete=True,
)


def variant_formset(data=None, *, shop, variants=()) -> BaseVariantFormSet:
    formset = VariantFormSet(
        data,
        prefix="variants",
        initial=[VariantForm.initial_for(v) for v in variants],
        form_kwargs={"shop": shop},
    )
    # Messages a brand understands rather than Django's "Please submit at least 1 form."
    formset.error_messages = {
        **formset.error_messages,
        "too_few_forms": "Add at least one variant: it carries the price and the stock.",
        "too_many_forms": "At most 100 variants per product.",
    }
    return formset


def apply_service_errors(exc: ValidationError, *, form: forms.Form, rows=()) -> None:
    """Puts a service's errors where the person will look: `variants.1.sku` beside the SKU of
    the second saved row, `title` beside the title, anything else at the top of the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, messages in exc.message_dict.items():
        parts = key.split(".")
        if parts[0] == "variants" and len(parts) == 3 and parts[1].isdigit():
            index, field = int(parts[1]), parts[2]
            if index < len(rows):
                row = rows[index]
                visible = field in row.fields and not row.fields[field].widget.is_hidden
                row.add_error(field if visible else None, messages)
                continue
        if key in form.fields:
            form.add_error(key, messages)
        else:
            form.add_error(None, messages)


# --- Images --------------------------------------------------------------------------------------


class ImageUploadForm(forms.Form):
    images = MultipleFileField(
        label="Add images",
        widget=image_input("#image-preview"),
        help_text="JPEG, PNG or WebP, several at once. Metadata such as GPS position is removed.",
    )


class ImageAltForm(forms.Form):
    alt = forms.CharField(
        required=False,
        max_length=200,
        label="Alt text",
        help_text="Describes the picture for people who cannot see it.",
    )


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")])


# --- Stock ---------------------------------------------------------------------------------------


STOCK_REASONS = ("Received", "Correction", "Returned", "Damaged", "Lost or stolen")


class StockAdjustForm(forms.Form):
    delta = forms.IntegerField(
        label="Adjust by",
        min_value=-(10**9),
        max_value=10**9,
        help_text="+5 to add, -2 to remove.",
        widget=forms.NumberInput(attrs={"step": 1, "inputmode": "numeric"}),
    )
    reason = forms.CharField(max_length=200, help_text="Why: received, correction, damaged…")

    def __init__(self, *args, variant, **kwargs):
        kwargs.setdefault("prefix", f"stock-{variant.pk}")
        super().__init__(*args, **kwargs)
        self.variant = variant
        self.fields["reason"].widget.attrs["list"] = "stock-reasons"

    def clean_delta(self) -> int:
        delta = self.cleaned_data["delta"]
        if delta == 0:
            raise ValidationError("Enter a number of units other than 0.")
        return delta


# --- Categories ----------------------------------------------------------------------------------


class CategoryForm(TranslatedFieldsMixin, forms.Form):
    translatable = CATEGORY_FIELDS

    name = forms.CharField(max_length=120, label="Category name")

    def __init__(self, *args, shop, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_translation_fields(shop)
        for name in self.translation_fields:
            # The list's rename row has no visible labels: the placeholder says which is which.
            self.fields[name].widget.attrs["placeholder"] = self.fields[name].label

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()

    @staticmethod
    def initial_for(category) -> dict:
        return {"name": category.name, **CategoryForm.translation_initial(category)}


# --- The product list -------------------------------------------------------------------------


class ProductFilterForm(forms.Form):
    """Only draws the list's filters with what was chosen; reading them is
    `ProductFilters.from_query`'s job, shared with the CSV export."""

    q = forms.CharField(
        required=False,
        label="Search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Title, SKU, tag…"}),
    )
    category = forms.ChoiceField(required=False, widget=forms.Select(attrs={"data-autosubmit": ""}))
    active = forms.ChoiceField(
        required=False,
        label="Status",
        choices=[("", "All"), ("yes", "Active"), ("no", "Inactive")],
        widget=forms.Select(attrs={"data-autosubmit": ""}),
    )
    stock = forms.ChoiceField(
        required=False,
        choices=[("", "All"), ("low", "Low stock"), ("out", "Sold out")],
        widget=forms.Select(attrs={"data-autosubmit": ""}),
    )
    sort = forms.ChoiceField(
        required=False,
        label="Sort by",
        choices=[
            ("-created_at", "Newest first"),
            ("created_at", "Oldest first"),
            ("title", "Title A to Z"),
            ("-title", "Title Z to A"),
            ("-updated_at", "Recently changed"),
        ],
        widget=forms.Select(attrs={"data-autosubmit": ""}),
    )

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [
            ("", "All"),
            ("none", "No category"),
            *((str(c.pk), c.name) for c in categories),
        ]


# --- Bulk actions on the product list ------------------------------------------------------------


class BulkActionForm(forms.Form):
    ACTIONS = [
        ("activate", "Activate"),
        ("deactivate", "Deactivate"),
        ("move", "Move to category"),
        ("delete", "Delete"),
    ]
    NO_CATEGORY = "none"

    action = forms.ChoiceField(choices=ACTIONS)
    product = forms.ModelMultipleChoiceField(
        queryset=None,
        error_messages={
            "required": "Tick at least one product first.",
            "invalid_choice": "Some of the ticked products no longer exist; reload the page.",
        },
    )
    category = forms.ChoiceField(required=False)

    def __init__(self, *args, shop, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.for_shop(shop).only("pk")
        self.categories = {str(c.pk): c for c in selectors.category_list(shop=shop)}
        self.fields["category"].choices = [
            ("", "Move to…"),
            (self.NO_CATEGORY, "No category"),
            *((pk, c.name) for pk, c in self.categories.items()),
        ]

    def clean(self):
        data = super().clean()
        if data.get("action") == "move" and not data.get("category"):
            self.add_error("category", "Choose the category to move the products to.")
        return data

    def product_ids(self) -> list[int]:
        return [p.pk for p in self.cleaned_data["product"]]

    def target_category(self):
        return self.categories.get(self.cleaned_data.get("category") or "")
