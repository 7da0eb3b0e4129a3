"""What shoppers really type, in French and English, and what each sentence must give: the
intent, the attributes read from it, and for a search the product listed first in the catalog
`seed_catalog` creates (NOTHING when no product fits). Typos, missing accents, capitals, emoji
and question marks on purpose. tests/conversations/test_understanding.py runs every line on
SQLite and, in CI, on PostgreSQL.

To teach the bot a new sentence: add it here with what it should give, then make it pass.
"""

from dataclasses import dataclass, field

from catalog.services import category_create, product_create

NOTHING = "(nothing)"

# (title, category, description, [(option values, price in cents, stock)]) per shop language.
# A dress's description names the belt and the belt's title is "belt": the ranking must list
# the belt first for "belt".
CATALOG = {
    "fr": [
        (
            "Robe portefeuille rouge",
            "Robes",
            "Robe longue en lin rouge, à porter avec sa ceinture assortie.",
            [
                ({"taille": s, "couleur": "Rouge"}, 8990, q)
                for s, q in (("36", 0), ("38", 4), ("40", 2))
            ],
        ),
        (
            "Robe d'été bleue",
            "Robes",
            "Robe légère en coton, idéale pour l'été.",
            [({"taille": s, "couleur": "Bleu"}, 4900, 3) for s in ("36", "38", "40", "42")],
        ),
        (
            "Petite robe noire",
            "Robes",
            "La robe indispensable, coupe droite.",
            [({"taille": s, "couleur": "Noir"}, 12000, 2) for s in ("38", "40")],
        ),
        (
            "Ceinture en cuir",
            "Accessoires",
            "Ceinture fine en cuir de vache, boucle dorée.",
            [({"taille": s, "couleur": "Noir"}, 3500, 5) for s in ("S", "M", "L")],
        ),
        (
            "Escarpins rouges",
            "Chaussures",
            "Escarpins en cuir verni, talon 8 cm.",
            [({"pointure": s}, 7500, 2) for s in ("37", "38", "39")],
        ),
        (
            "Baskets blanches",
            "Chaussures",
            "Baskets en toile, semelle gomme.",
            [({"pointure": s}, 5900, 4) for s in ("38", "39", "40", "41", "42")],
        ),
        (
            "Chemise en lin blanche",
            "Hauts",
            "Chemise ample en lin lavé.",
            [({"taille": s}, 4500, 6) for s in ("S", "M", "L")],
        ),
        (
            "T-shirt rayé marine",
            "Hauts",
            "T-shirt en coton bio, rayures marine et blanc.",
            [({"taille": s}, 1990, 8) for s in ("S", "M", "L", "XL")],
        ),
        (
            "Sac cabas en toile",
            "Accessoires",
            "Grand sac en toile naturelle, anses en cuir.",
            [({}, 3900, 7)],
        ),
        (
            "Foulard en soie",
            "Accessoires",
            "Foulard imprimé fleuri, 100 % soie, rose poudré.",
            [({"couleur": "Rose"}, 2900, 9)],
        ),
    ],
    "en": [
        (
            "Red wrap dress",
            "Dresses",
            "Long linen dress, worn with its matching belt.",
            [({"size": s, "colour": "Red"}, 8990, q) for s, q in (("S", 0), ("M", 4), ("L", 2))],
        ),
        (
            "Blue summer dress",
            "Dresses",
            "Light cotton dress for hot days.",
            [({"size": s, "colour": "Blue"}, 4900, 3) for s in ("XS", "S", "M")],
        ),
        (
            "Little black dress",
            "Dresses",
            "The essential dress, straight cut.",
            [({"size": s, "colour": "Black"}, 12000, 2) for s in ("S", "M")],
        ),
        (
            "Leather belt",
            "Accessories",
            "Thin cowhide belt with a gold buckle.",
            [({"size": s, "colour": "Black"}, 3500, 5) for s in ("S", "M", "L")],
        ),
        (
            "Red heels",
            "Shoes",
            "Patent leather pumps, 8 cm heel.",
            [({"size": s}, 7500, 2) for s in ("37", "38", "39")],
        ),
        (
            "White sneakers",
            "Shoes",
            "Canvas sneakers with rubber soles.",
            [({"size": s}, 5900, 4) for s in ("38", "39", "40", "41", "42")],
        ),
        (
            "White linen shirt",
            "Tops",
            "Loose shirt in washed linen.",
            [({"size": s}, 4500, 6) for s in ("S", "M", "L")],
        ),
        (
            "Striped t-shirt",
            "Tops",
            "Organic cotton tee, navy and white stripes.",
            [({"size": s}, 1990, 8) for s in ("S", "M", "L", "XL")],
        ),
        (
            "Canvas tote bag",
            "Accessories",
            "Large natural canvas bag with leather handles.",
            [({}, 3900, 7)],
        ),
        (
            "Silk scarf",
            "Accessories",
            "Floral print scarf, pure silk, powder pink.",
            [({"colour": "Pink"}, 2900, 9)],
        ),
    ],
}


def seed_catalog(shop) -> dict:
    """The catalog of CATALOG[shop.language] in `shop`; returns the products by title."""
    categories = {}
    products = {}
    for number, (title, category, description, variants) in enumerate(CATALOG[shop.language]):
        if category not in categories:
            categories[category] = category_create(shop=shop, name=category)
        products[title] = product_create(
            shop=shop,
            title=title,
            description=description,
            category=categories[category],
            variants=[
                {
                    "sku": f"{shop.language}-{number}-{index}",
                    "name": " ".join(options.values()) or "Unique",
                    "options": options,
                    "price": price,
                    "stock": stock,
                }
                for index, (options, price, stock) in enumerate(variants)
            ],
        )
    return products


@dataclass(frozen=True)
class Sentence:
    shop: str  # which seeded shop hears it: "fr" or "en"
    text: str
    intent: str
    first: str = ""  # a search's first product's title, NOTHING, or "" to not check
    query: str | None = None  # the words left to search for, when checked
    attributes: dict = field(default_factory=dict)  # colour, size, max_price, sort
    language: str = ""  # the language detected, when checked

    def __str__(self) -> str:
        return f"{self.shop}: {self.text}"


S = Sentence
SENTENCES = [
    # --- French: searches ------------------------------------------------------------------------
    S(
        "fr",
        "je cherche une robe rouge pas chère",
        "search",
        "Robe portefeuille rouge",
        "robe",
        {"colour": "red", "sort": "price"},
        "fr",
    ),
    S("fr", "taille 38", "search", "Robe portefeuille rouge", "", {"size": "38"}, "fr"),
    S("fr", "ceinture", "search", "Ceinture en cuir", "ceinture"),
    S("fr", "Ceinturre ?", "search", "Ceinture en cuir"),
    S(
        "fr",
        "une ceinture noire svp",
        "search",
        "Ceinture en cuir",
        "ceinture",
        {"colour": "black"},
    ),
    S(
        "fr",
        "Robe Noire taille 40",
        "search",
        "Petite robe noire",
        "robe",
        {"colour": "black", "size": "40"},
    ),
    S(
        "fr",
        "robe bleue en 42",
        "search",
        "Robe d'été bleue",
        "robe",
        {"colour": "blue", "size": "42"},
    ),
    S(
        "fr",
        "vous avez des baskets blanches en 41 ?",
        "search",
        "Baskets blanches",
        "baskets",
        {"colour": "white", "size": "41"},
        "fr",
    ),
    S("fr", "escarpin rouge", "search", "Escarpins rouges", "escarpin", {"colour": "red"}),
    S("fr", "escarpain", "search", "Escarpins rouges"),
    S("fr", "chaussures pas cher", "search", "Baskets blanches", "chaussures", {"sort": "price"}),
    S("fr", "des chausures", "search", "Escarpins rouges"),
    S("fr", "un sac moins de 50 euros", "search", "Sac cabas en toile", "sac", {"max_price": 5000}),
    S(
        "fr",
        "quelque chose de rouge à moins de 80 € 🙏",
        "search",
        "Escarpins rouges",
        "",
        {"colour": "red", "max_price": 8000},
    ),
    S("fr", "chemise lin", "search", "Chemise en lin blanche"),
    S("fr", "t-shirt rayé", "search", "T-shirt rayé marine"),
    S("fr", "tshirt raye", "search", "T-shirt rayé marine"),
    S("fr", "foulard en soi", "search", "Foulard en soie"),
    S("fr", "FOULARD", "search", "Foulard en soie"),
    S("fr", "robe d'ete", "search", "Robe d'été bleue"),
    S(
        "fr",
        "Je voudrais des chaussures de sport blanches taille 40",
        "search",
        "Baskets blanches",
        None,
        {"colour": "white", "size": "40"},
        "fr",
    ),
    S("fr", "basket", "search", "Baskets blanches"),
    S(
        "fr",
        "Robe rouge 38",
        "search",
        "Robe portefeuille rouge",
        "robe",
        {"colour": "red", "size": "38"},
    ),
    S("fr", "robe rouge en 36", "search", NOTHING, "robe", {"colour": "red", "size": "36"}),
    S("fr", "sac a main", "search", "Sac cabas en toile"),
    S("fr", "ROBE NOIR", "search", "Petite robe noire", "robe", {"colour": "black"}),
    S(
        "fr",
        "avez-vous des robes à moins de 100€ ?",
        "search",
        "Robe portefeuille rouge",
        "robes",
        {"max_price": 10000},
    ),
    S("fr", "bjr je cherche un cadeau pour ma mère", "search", NOTHING),
    S("fr", "un truc pas cher", "search", "T-shirt rayé marine", "", {"sort": "price"}),
    S("fr", "tu as des sacs ?", "search", "Sac cabas en toile", "sacs"),
    S(
        "fr",
        "Est-ce que la robe rouge existe en 42 ?",
        "search",
        NOTHING,
        "robe",
        {"colour": "red", "size": "42"},
    ),
    S(
        "fr",
        "je fais du 40, vous avez quoi en robe ?",
        "search",
        "Robe portefeuille rouge",
        None,
        {"size": "40"},
    ),
    # --- French: everything else -----------------------------------------------------------------
    S("fr", "combien de temps pour la livraison ?", "delivery", language="fr"),
    S("fr", "c'est quoi le délai de livraison", "delivery"),
    S("fr", "vous livrez en Belgique ?", "delivery"),
    S("fr", "Frais de port ?", "delivery"),
    S("fr", "où en est ma commande ?", "order_status", language="fr"),
    S("fr", "Je n'ai toujours pas reçu mon colis 😡", "order_status"),
    S("fr", "numéro de suivi svp", "order_status"),
    S("fr", "ou est ma commande", "order_status", language="fr"),
    S("fr", "Suivi", "order_status"),
    S("fr", "suivi de commande stp", "order_status"),
    S("fr", "Suivre ma commande", "order_status"),
    S("fr", "comment faire un retour ?", "returns"),
    S("fr", "je veux être remboursée", "returns"),
    S("fr", "Est-ce que je peux échanger la taille ?", "returns"),
    S("fr", "Quelles tailles pour la robe bleue ?", "sizes", query="robe bleue", language="fr"),
    S("fr", "la robe noire taille normalement ?", "sizes", query="robe noire"),
    S("fr", "quelle pointure pour les escarpins", "sizes", query="escarpins"),
    S("fr", "Je peux parler à quelqu'un ?", "human", language="fr"),
    S("fr", "un conseiller svp", "human"),
    S("fr", "Bonjour !", "greeting", language="fr"),
    S("fr", "coucou 👋", "greeting"),
    S("fr", "merci beaucoup", "thanks"),
    S("fr", "oui", "yes"),
    S("fr", "OK", "yes"),
    S("fr", "d'accord", "yes"),
    S("fr", "non merci", "no"),
    S("fr", "pas maintenant", "no"),
    S("fr", "mon panier", "cart"),
    S("fr", "voir le catalogue", "browse"),
    S("fr", "???", "unknown"),
    # --- English: searches -----------------------------------------------------------------------
    S(
        "en",
        "I'm looking for a red dress",
        "search",
        "Red wrap dress",
        "dress",
        {"colour": "red"},
        "en",
    ),
    S("en", "cheap dress", "search", "Blue summer dress", "dress", {"sort": "price"}, "en"),
    S("en", "dress under 100$", "search", "Red wrap dress", "dress", {"max_price": 10000}),
    S("en", "belt", "search", "Leather belt", "belt"),
    S(
        "en",
        "Do you have the black dress in size M?",
        "search",
        "Little black dress",
        "dress",
        {"colour": "black", "size": "M"},
        "en",
    ),
    S("en", "red dress size S", "search", NOTHING, "dress", {"colour": "red", "size": "S"}),
    S(
        "en",
        "white sneakerss 42",
        "search",
        "White sneakers",
        None,
        {"colour": "white", "size": "42"},
    ),
    S("en", "DRESSES", "search", "Red wrap dress"),
    S("en", "something pink", "search", "Silk scarf", "", {"colour": "pink"}),
    S("en", "t-shirt", "search", "Striped t-shirt"),
    S("en", "linen shirt", "search", "White linen shirt"),
    S("en", "any bags under 40 euros?", "search", "Canvas tote bag", "bags", {"max_price": 4000}),
    S("en", "shoes", "search", "Red heels"),
    S("en", "cheapest shoes please", "search", "White sneakers", "shoes", {"sort": "price"}),
    S("en", "leathr belt", "search", "Leather belt"),
    S("en", "a hat", "search", NOTHING),
    S("en", "help me find a dress", "search", "Red wrap dress", "dress"),
    # --- English: everything else ----------------------------------------------------------------
    S("en", "how long does delivery take?", "delivery", language="en"),
    S("en", "do you ship to Canada", "delivery"),
    S("en", "where is my order??", "order_status", language="en"),
    S("en", "I still haven't received my parcel", "order_status"),
    S("en", "tracking number pls", "order_status"),
    S("en", "Track my order", "order_status", language="en"),
    S("en", "order status?", "order_status"),
    S("en", "what is your return policy", "returns"),
    S("en", "can I get a refund", "returns"),
    S("en", "what sizes do you have for the blue dress?", "sizes", query="blue dress"),
    S("en", "does the belt run small", "sizes", query="belt"),
    S("en", "can I talk to a real person", "human", language="en"),
    S("en", "Hello 👋", "greeting", language="en"),
    S("en", "thanks!", "thanks"),
    S("en", "where's my stuff", "order_status"),
    S("en", "help", "human"),
    S("en", "👍", "yes"),
    S("en", "yes please", "yes"),
    S("en", "no thanks", "no"),
    S("en", "my cart", "cart"),
    S("en", "basket", "cart"),
    S("en", "browse", "browse"),
    S("en", "what do you sell?", "browse"),
]
