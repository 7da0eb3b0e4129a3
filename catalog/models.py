"""What a shop sells: categories, products, their variants (the things with a price and stock)
and images with the thumbnails chat channels display. Knows nothing of selling or chatting."""

from django.db import models
from django.db.models import Q

from shops.tenancy import ShopOwned


class Category(ShopOwned):
    name = models.CharField(max_length=120)
    # The name in the shop's other languages, {"en": {"name": "Dresses"}} (catalog/translations.py).
    translations = models.JSONField(default=dict, blank=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(fields=["shop", "name"], name="category_name_unique_per_shop")
        ]
        indexes = [models.Index(fields=["shop", "position"])]

    def __str__(self) -> str:
        return self.name


class Product(ShopOwned):
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=5000)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="products"
    )
    active = models.BooleanField(default=True)
    tags = models.JSONField(default=list, blank=True)
    # Title and description in the shop's other languages, {"en": {"title": "Red dress",
    # "description": "…"}}; `title` and `description` are in the shop's own language
    # (catalog/translations.py).
    translations = models.JSONField(default=dict, blank=True)
    # Accent-folded, lower-cased text of the product and its variants, kept by the services;
    # PostgreSQL indexes its tsvector (GIN), SQLite scans it.
    search_document = models.TextField(blank=True, default="", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["shop", "created_at"]),
            models.Index(fields=["shop", "category", "active"]),
        ]

    def __str__(self) -> str:
        return self.title


class Variant(ShopOwned):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField(max_length=64)
    name = models.CharField(max_length=120)
    # Option name → value, e.g. {"size": "38", "colour": "Red"}.
    options = models.JSONField(default=dict, blank=True)
    # The name in the shop's other languages, {"en": {"name": "Red · 38"}}; `name` is in the
    # shop's own language (catalog/translations.py).
    translations = models.JSONField(default=dict, blank=True)
    # In the shop currency's minor units: 1999 is 19.99 EUR.
    price = models.BigIntegerField()
    stock = models.IntegerField(default=0)
    track_stock = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "sku"], name="variant_sku_unique_per_shop"),
            models.CheckConstraint(condition=Q(price__gte=0), name="variant_price_not_negative"),
            models.CheckConstraint(condition=Q(stock__gte=0), name="variant_stock_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"

    @property
    def in_stock(self) -> bool:
        return not self.track_stock or self.stock > 0


def _image_path(instance: "ProductImage", filename: str) -> str:
    return f"shops/{instance.shop_id}/products/{instance.product_id}/{filename}"


class ProductImage(ShopOwned):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    # Re-encoded on upload: EXIF and other metadata are gone, orientation applied.
    image = models.ImageField(upload_to=_image_path, width_field="width", height_field="height")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    # 1.91:1 (Messenger generic template, link previews) and 1:1 (Telegram, WhatsApp, web chat).
    card = models.ImageField(upload_to=_image_path, blank=True)
    square = models.ImageField(upload_to=_image_path, blank=True)
    alt = models.CharField(max_length=200, blank=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["shop", "product"])]

    def __str__(self) -> str:
        return self.image.name


class StockSource(models.TextChoices):
    DASHBOARD = "dashboard", "Dashboard"
    API = "api", "API"
    IMPORT = "import", "CSV import"


class StockAdjustment(ShopOwned):
    """A change of a variant's stock made by a person or an integrator, with why: the log a
    brand reads when the count on the shelf and the count in Souk disagree. (Sales and
    reservations are recorded by orders, not here.)"""

    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="adjustments")
    delta = models.IntegerField()
    stock_after = models.IntegerField()
    reason = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=10, choices=StockSource.choices)
    actor = models.ForeignKey(
        "shops.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["variant", "-created_at"])]


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", "Uploaded"
    PREVIEWED = "previewed", "Ready to import"
    RUNNING = "running", "Importing"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class CatalogImport(ShopOwned):
    """A CSV file of products a brand uploaded: checked and previewed at upload, applied by a
    task after the brand confirms. The counts hold the preview's forecast until the task has
    run, then what was actually done."""

    file_name = models.CharField(max_length=255)
    # The decoded text of the file (at most csv_format.MAX_FILE_BYTES): the worker reads it from
    # here, so no shared file storage is needed between web and worker.
    content = models.TextField()
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    products_created = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)  # rows that created a variant
    updated_count = models.PositiveIntegerField(default=0)  # rows whose variant/product changed
    unchanged_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)  # rows not imported (errors)
    # [{"row": 4, "column": "price", "message": "…"}]; row numbers as in a spreadsheet (header=1).
    errors = models.JSONField(default=list, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    # The first changes (field, before → after), new categories, how the file was read.
    summary = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        "shops.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["shop", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.status})"
