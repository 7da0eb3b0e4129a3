"""The demo shop, Maison Souk: a French boutique with a small catalog in French (English as its
translation), an owner who can sign in to the back office and an API key. `demo_seed()` is
idempotent: a second run adds only what is missing and replaces the demo API key (keys are stored
hashed, so a new key is the only way to print a usable one)."""

import zlib
from dataclasses import dataclass

from django.db import transaction

from catalog import demo_images
from catalog.models import Category, Product, ProductImage, Variant
from catalog.search import fold
from catalog.services import (
    category_create,
    category_update,
    image_add,
    product_create,
    product_update,
    variant_update,
)
from shops.models import ApiKey, Membership, Role, Shop, User
from shops.services import api_key_create, api_key_revoke, shop_create

SHOP_NAME = "Maison Souk"
SHOP_SLUG = "maison-souk"
OWNER_EMAIL = "demo@souk.test"
# Public on purpose: printed by `manage.py demo`, which refuses to run without DEBUG.
OWNER_PASSWORD = "souk-demo"  # noqa: S105
API_KEY_NAME = "Demo key"

DRESSES = "Robes"
TOPS = "Hauts"
ACCESSORIES = "Accessoires"
SHOES = "Chaussures"
CATEGORIES = (DRESSES, TOPS, ACCESSORIES, SHOES)
CATEGORY_NAMES_EN = {DRESSES: "Dresses", TOPS: "Tops", ACCESSORIES: "Accessories", SHOES: "Shoes"}

DRESS_SIZES = ("36", "38", "40", "42")
TOP_SIZES = ("XS", "S", "M", "L", "XL")
SHOE_SIZES = ("37", "38", "39", "40", "41")

COLOURS: dict[str, tuple[int, int, int]] = {
    "Rouge": (184, 32, 48),
    "Bordeaux": (112, 24, 42),
    "Bleu ciel": (140, 182, 222),
    "Marine": (30, 44, 78),
    "Vert sauge": (118, 146, 112),
    "Blanc": (246, 243, 236),
    "Noir": (38, 38, 42),
    "Camel": (196, 145, 88),
    "Cognac": (150, 82, 40),
    "Gris chiné": (150, 152, 158),
    "Naturel": (222, 204, 166),
    "Rayé marine": (30, 44, 78),
    "Rayé rouge": (184, 32, 48),
}
# The colours' English names: a variant is "Rouge · 38" in the shop's French, its translation
# "Red · 38" (sizes read the same in both).
COLOURS_EN = {
    "Rouge": "Red",
    "Bordeaux": "Burgundy",
    "Bleu ciel": "Sky blue",
    "Marine": "Navy",
    "Vert sauge": "Sage green",
    "Blanc": "White",
    "Noir": "Black",
    "Camel": "Camel",
    "Cognac": "Cognac",
    "Gris chiné": "Heather grey",
    "Naturel": "Natural",
    "Rayé marine": "Navy stripes",
    "Rayé rouge": "Red stripes",
}
_IVORY = (246, 243, 236)
_GOLD = (222, 190, 110)
_PINK = (226, 150, 160)

# Sold-out variants, so the bot's "out of stock" answers and the API's stock filters have
# something to show.
SOLD_OUT = frozenset({"MS-ROBE-ROUGE-42", "MS-BALLERINE-NOIR-41"})


@dataclass(frozen=True)
class DemoProduct:
    code: str  # SKUs are MS-<code>-<COLOUR>[-<size>]
    # In the shop's language (French), with the English as the product's translation: a
    # shopper reads one language, never "Robe / Dress".
    title: str  # ≤ 60 characters: chat carousels cut longer titles
    title_en: str
    description: str
    description_en: str
    category: str
    price: int  # EUR cents
    colours: tuple[str, ...]
    sizes: tuple[str, ...] = ()  # none: one size
    tags: tuple[str, ...] = ()
    shape: str = "dress-wrap"  # see catalog.demo_images.SHAPES
    pattern: str = "plain"
    material: str = ""  # printed on the fabric close-up's label
    track_stock: bool = True


PRODUCTS: tuple[DemoProduct, ...] = (
    DemoProduct(
        code="ROBE",
        title="Robe portefeuille rouge",
        title_en="Red wrap dress",
        description="Robe portefeuille en crêpe fluide, manches courtes et ceinture à nouer.",
        description_en=(
            "Fluid crêpe wrap dress with short sleeves and a tie belt; falls below the knee."
        ),
        category=DRESSES,
        price=8990,
        colours=("Rouge",),
        sizes=DRESS_SIZES,
        tags=("robe", "dress", "rouge", "red", "soirée", "evening"),
        shape="dress-wrap",
        material="100 % VISCOSE",
    ),
    DemoProduct(
        code="ROBELIN",
        title="Robe d'été en lin",
        title_en="Linen summer dress",
        description="Robe à bretelles en lin lavé, boutonnée devant, deux poches.",
        description_en="Washed linen sundress with thin straps, a button front and two pockets.",
        category=DRESSES,
        price=7490,
        colours=("Bleu ciel", "Blanc"),
        sizes=DRESS_SIZES,
        tags=("robe", "dress", "lin", "linen", "été", "summer"),
        shape="dress-sun",
    ),
    DemoProduct(
        code="ROBELONG",
        title="Robe longue fleurie",
        title_en="Floral maxi dress",
        description="Robe longue à volants, imprimé fleuri, taille smockée.",
        description_en=(
            "Flowing maxi dress with a floral print, a smocked waist and two flounces."
        ),
        category=DRESSES,
        price=9990,
        colours=("Vert sauge",),
        sizes=DRESS_SIZES,
        tags=("robe", "dress", "fleurs", "floral", "longue", "maxi"),
        shape="dress-maxi",
        pattern="floral",
        material="100 % VISCOSE",
    ),
    DemoProduct(
        code="MARINIERE",
        title="Marinière",
        title_en="Breton striped top",
        description="La marinière en jersey de coton épais, col bateau, manches trois-quarts.",
        description_en=(
            "The classic Breton top in heavy cotton jersey, boat neck, three-quarter sleeves."
        ),
        category=TOPS,
        price=3990,
        colours=("Rayé marine", "Rayé rouge"),
        sizes=TOP_SIZES,
        tags=("marinière", "breton", "rayures", "stripes", "coton", "cotton"),
        shape="tee",
        pattern="stripes",
    ),
    DemoProduct(
        code="CHEMISE",
        title="Chemise en lin",
        title_en="Linen shirt",
        description="Chemise ample en lin, col classique, boutons en nacre.",
        description_en="Relaxed linen shirt with a classic collar and mother-of-pearl buttons.",
        category=TOPS,
        price=5990,
        colours=("Blanc", "Bleu ciel"),
        sizes=TOP_SIZES,
        tags=("chemise", "shirt", "lin", "linen"),
        shape="shirt",
    ),
    DemoProduct(
        code="PULL",
        title="Pull en laine mérinos",
        title_en="Merino jumper",
        description="Pull col rond en laine mérinos extra-fine, bords côtes.",
        description_en="Crew-neck jumper in extra-fine merino wool with ribbed cuffs and hem.",
        category=TOPS,
        price=8990,
        colours=("Camel", "Gris chiné"),
        sizes=TOP_SIZES,
        tags=("pull", "jumper", "sweater", "laine", "wool", "hiver", "winter"),
        shape="jumper",
        pattern="knit",
    ),
    DemoProduct(
        code="CABAS",
        title="Sac cabas en cuir",
        title_en="Leather tote bag",
        description="Grand cabas en cuir de vachette tannage végétal, fermeture aimantée.",
        description_en=(
            "Large vegetable-tanned leather tote with a magnetic clasp; fits a laptop."
        ),
        category=ACCESSORIES,
        price=14900,
        colours=("Cognac", "Noir"),
        tags=("sac", "bag", "cabas", "tote", "cuir", "leather"),
        shape="tote-leather",
    ),
    DemoProduct(
        code="TOTE",
        title="Tote bag en toile",
        title_en="Canvas tote bag",
        description="Tote bag en toile de coton bio, imprimé à la demande dans notre atelier.",
        description_en="Organic cotton canvas tote, printed on demand in our workshop.",
        category=ACCESSORIES,
        price=1990,
        colours=("Naturel",),
        tags=("sac", "bag", "tote", "toile", "canvas"),
        shape="tote-canvas",
        pattern="weave",
        material="COTON BIO · ORGANIC",
        # Printed on demand: never out of stock, so its stock is not counted.
        track_stock=False,
    ),
    DemoProduct(
        code="FOULARD",
        title="Foulard en soie",
        title_en="Silk scarf",
        description="Carré de soie twill 90 x 90 cm, roulotté à la main.",
        description_en="Silk twill square scarf, 90 x 90 cm, with hand-rolled edges.",
        category=ACCESSORIES,
        price=6500,
        colours=("Bordeaux", "Marine"),
        tags=("foulard", "scarf", "soie", "silk", "cadeau", "gift"),
        shape="scarf",
        pattern="dots",
    ),
    DemoProduct(
        code="CEINTURE",
        title="Ceinture tressée",
        title_en="Braided belt",
        description="Ceinture en cuir tressé, boucle en laiton.",
        description_en=(
            "Braided leather belt with a solid brass buckle; adjustable at any length."
        ),
        category=ACCESSORIES,
        price=4500,
        colours=("Camel", "Noir"),
        tags=("ceinture", "belt", "cuir", "leather"),
        shape="belt",
        pattern="braid",
    ),
    DemoProduct(
        code="BALLERINE",
        title="Ballerines en cuir",
        title_en="Leather ballet flats",
        description="Ballerines en cuir nappa souple, semelle cuir, petit nœud.",
        description_en="Soft nappa leather ballet flats with a leather sole and a small bow.",
        category=SHOES,
        price=11900,
        colours=("Noir", "Rouge"),
        sizes=SHOE_SIZES,
        tags=("ballerines", "flats", "chaussures", "shoes", "cuir", "leather"),
        shape="flat",
    ),
    DemoProduct(
        code="BASKET",
        title="Baskets en toile",
        title_en="Canvas sneakers",
        description="Baskets basses en toile de coton, semelle en caoutchouc naturel.",
        description_en="Low-top cotton canvas sneakers on a natural rubber sole.",
        category=SHOES,
        price=6900,
        colours=("Blanc",),
        sizes=SHOE_SIZES,
        tags=("baskets", "sneakers", "chaussures", "shoes", "toile", "canvas"),
        shape="sneaker",
        material="TOILE DE COTON",
    ),
    DemoProduct(
        code="SANDALE",
        title="Sandales à brides",
        title_en="Strappy sandals",
        description="Sandales plates à trois brides en cuir, semelle en liège.",
        description_en="Flat leather sandals with three straps and a cork footbed.",
        category=SHOES,
        price=7900,
        colours=("Camel", "Noir"),
        sizes=SHOE_SIZES,
        tags=("sandales", "sandals", "chaussures", "shoes", "été", "summer"),
        shape="sandal",
    ),
)


@dataclass(frozen=True)
class DemoSeedResult:
    shop: Shop
    owner: User
    api_key: str  # clear text, shown once
    products_created: int


def _code(text: str) -> str:
    return "-".join(fold(text).upper().split())


def variant_rows(product: DemoProduct) -> list[dict]:
    """The product's variants as `product_create` takes them: colour x size."""
    rows = []
    for colour in product.colours:
        for size in product.sizes or (None,):
            sku = f"MS-{product.code}-{_code(colour)}" + (f"-{size}" if size else "")
            options = {"size": size, "colour": colour} if size else {"colour": colour}
            rows.append(
                {
                    "sku": sku,
                    "name": _variant_name(colour, size),
                    "translations": {"en": {"name": _variant_name(COLOURS_EN[colour], size)}},
                    "options": options,
                    "price": product.price,
                    "stock": _stock(sku, product.track_stock),
                    "track_stock": product.track_stock,
                }
            )
    return rows


def _variant_name(colour: str, size: str | None) -> str:
    return f"{colour} · {size}" if size else colour


def _stock(sku: str, track_stock: bool) -> int:
    if not track_stock or sku in SOLD_OUT:
        return 0
    return 3 + zlib.crc32(sku.encode()) % 18  # 3 to 20, the same on every machine


def _photos(product: DemoProduct) -> list[tuple[object, str]]:
    """One studio shot per colour (two at most); a single-colour product gets a close-up of
    its material instead, so every product has two pictures to swipe through."""
    uploads = []
    stem = f"ms-{product.code.lower()}"
    for colour in product.colours[:2]:
        rgb, accent = COLOURS[colour], None
        if product.pattern == "stripes":  # the colour names the stripes, on an ivory jersey
            rgb, accent = _IVORY, COLOURS[colour]
        elif product.pattern == "dots":
            accent = _GOLD
        elif product.pattern == "floral":
            accent = _PINK
        upload = demo_images.product_photo(
            shape=product.shape,
            colour=rgb,
            pattern=product.pattern,
            accent=accent,
            seed=f"{product.code}-{colour}",
            name=f"{stem}-{_code(colour).lower()}.jpg",
        )
        uploads.append((upload, f"{product.title} — {colour}"))
    if len(product.colours) == 1:
        colour = product.colours[0]
        upload = demo_images.fabric_detail(
            colour=COLOURS[colour],
            pattern=product.pattern,
            accent=_PINK if product.pattern == "floral" else None,
            label=product.material or "MADE IN FRANCE",
            seed=f"{product.code}-detail",
            name=f"{stem}-detail.jpg",
        )
        uploads.append((upload, f"{product.title} — détail"))
    return uploads


def demo_seed() -> DemoSeedResult:
    """Creates (or completes) the demo shop and returns it with a fresh API key."""
    with transaction.atomic():
        shop = Shop.objects.filter(slug=SHOP_SLUG).first()
        new_shop = shop is None
        if new_shop:
            shop = shop_create(
                name=SHOP_NAME,
                slug=SHOP_SLUG,
                owner_email=OWNER_EMAIL,
                owner_password=OWNER_PASSWORD,
                currency="EUR",
                language="fr",
                timezone_name="Europe/Paris",
            )
        owner = _demo_owner(shop, password_is_set=new_shop)
        _one_language_titles(shop)
        _english_variant_names(shop)
        categories = _demo_categories(shop)
        created = _demo_products(shop, categories)
        for key in ApiKey.objects.filter(shop=shop, name=API_KEY_NAME, revoked_at__isnull=True):
            api_key_revoke(api_key=key)
        _, raw_key = api_key_create(shop=shop, name=API_KEY_NAME, created_by=owner)
    # Leaving the block commits: the thumbnail tasks image_add queued run now (in this process
    # without REDIS_URL, on a worker otherwise).
    return DemoSeedResult(shop=shop, owner=owner, api_key=raw_key, products_created=created)


def _demo_owner(shop: Shop, *, password_is_set: bool) -> User:
    owner = User.objects.filter(email__iexact=OWNER_EMAIL).first()
    if owner is None:  # someone deleted the demo user but kept the shop
        owner = User.objects.create_user(OWNER_EMAIL, OWNER_PASSWORD)
        password_is_set = True
    Membership.objects.get_or_create(shop=shop, user=owner, defaults={"role": Role.OWNER})
    changed = []
    # Demo only: the owner is a superuser so the printed login opens /admin/ at once. The
    # command refuses to run without DEBUG, so this never happens on a real deployment.
    if not (owner.is_staff and owner.is_superuser and owner.is_active):
        owner.is_staff = owner.is_superuser = owner.is_active = True
        changed += ["is_staff", "is_superuser", "is_active"]
    # The printed login must work even if someone changed the password while playing.
    if not password_is_set and not owner.check_password(OWNER_PASSWORD):
        owner.set_password(OWNER_PASSWORD)
        changed.append("password")
    if changed:
        owner.save(update_fields=changed)
    return owner


def _one_language_titles(shop: Shop) -> None:
    """A demo seeded before titles had one language each ("Robes · Dresses", "Robe portefeuille
    rouge · Red wrap dress") gets the French title and the English as its translation. What
    the visitor renamed is left alone."""
    for name, english in CATEGORY_NAMES_EN.items():
        old = Category.objects.for_shop(shop).filter(name=f"{name} · {english}").first()
        if old and not Category.objects.for_shop(shop).filter(name=name).exists():
            category_update(category=old, name=name, translations={"en": {"name": english}})
    for spec in PRODUCTS:
        for product in Product.objects.for_shop(shop).filter(
            title=f"{spec.title} · {spec.title_en}"
        ):
            product_update(
                product=product,
                title=spec.title,
                description=spec.description,
                translations={"en": {"title": spec.title_en, "description": spec.description_en}},
            )


def _english_variant_names(shop: Shop) -> None:
    """A demo seeded before variants had translations gets their English names; a variant the
    visitor renamed or translated is left alone."""
    rows = {row["sku"]: row for spec in PRODUCTS for row in variant_rows(spec)}
    untranslated = Variant.objects.for_shop(shop).filter(sku__in=list(rows), translations={})
    for variant in untranslated.select_related("product"):
        row = rows[variant.sku]
        if variant.name == row["name"]:
            # Through the service: search finds the variant by its English name too.
            variant_update(variant=variant, translations=row["translations"])


def _demo_categories(shop: Shop) -> dict[str, Category]:
    existing = {c.name: c for c in Category.objects.for_shop(shop).filter(name__in=CATEGORIES)}
    for position, name in enumerate(CATEGORIES):
        if name not in existing:
            existing[name] = category_create(
                shop=shop,
                name=name,
                position=position,
                translations={"en": {"name": CATEGORY_NAMES_EN[name]}},
            )
    return existing


def _demo_products(shop: Shop, categories: dict[str, Category]) -> int:
    """Creates the products none of whose SKUs exist yet; returns how many it created.

    A product the visitor edited (stock, price, title) is left as it is: re-seeding must not
    undo what they did in the demo, only bring back what is missing."""
    taken = set(Variant.objects.for_shop(shop).values_list("sku", flat=True))
    created = 0
    for spec in PRODUCTS:
        variants = variant_rows(spec)
        if taken.intersection(v["sku"] for v in variants):
            continue
        product = product_create(
            shop=shop,
            title=spec.title,
            description=spec.description,
            category=categories[spec.category],
            active=True,
            tags=list(spec.tags),
            variants=variants,
            translations={"en": {"title": spec.title_en, "description": spec.description_en}},
        )
        for position, (upload, alt) in enumerate(_photos(spec)):
            image_add(product=product, upload=upload, alt=alt, position=position)
        created += 1
    return created


def demo_counts(shop: Shop) -> dict[str, int]:
    return {
        "categories": Category.objects.for_shop(shop).count(),
        "products": Product.objects.for_shop(shop).count(),
        "variants": Variant.objects.for_shop(shop).count(),
        "images": ProductImage.objects.for_shop(shop).count(),
    }
