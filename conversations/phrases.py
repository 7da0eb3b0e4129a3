"""What the bot says, in the shop's language (English and French)."""

PHRASES = {
    "greeting": {
        "en": "Hello{name}! Welcome to {shop}. What would you like to do?",
        "fr": "Bonjour{name} ! Bienvenue chez {shop}. Que souhaitez-vous faire ?",
    },
    "greeting_back": {
        "en": "Welcome back{name}! Good to see you again at {shop}.",
        "fr": "Ravi de vous revoir{name} chez {shop} !",
    },
    "browse": {"en": "Browse", "fr": "Parcourir"},
    "search": {"en": "Search", "fr": "Rechercher"},
    "my_cart": {"en": "My cart", "fr": "Mon panier"},
    "human": {"en": "Talk to a person", "fr": "Parler à quelqu'un"},
    "pick_category": {"en": "Which category?", "fr": "Quelle catégorie ?"},
    "all_products": {"en": "Everything", "fr": "Tout voir"},
    "more": {"en": "More", "fr": "Plus"},
    "choose": {"en": "Choose", "fr": "Choisir"},
    "from_price": {"en": "from {price}", "fr": "à partir de {price}"},
    "out_of_stock": {"en": "out of stock", "fr": "épuisé"},
    "here_are": {"en": "Here is what we have:", "fr": "Voici notre sélection :"},
    "ask_search": {
        "en": "What are you looking for? (e.g. red dress 38)",
        "fr": "Que cherchez-vous ? (par ex. robe rouge 38)",
    },
    "found": {
        "en": "Here is what I found for “{query}”:",
        "fr": "Voici ce que j'ai trouvé pour « {query} » :",
    },
    "not_found": {
        "en": "I found nothing for “{query}”. Try other words, or browse:",
        "fr": "Je n'ai rien trouvé pour « {query} ». Essayez d'autres mots, ou parcourez :",
    },
    "pick_variant": {"en": "{product}: which one?", "fr": "{product} : lequel ?"},
    "pick_quantity": {"en": "{item}: how many?", "fr": "{item} : combien ?"},
    "added": {
        "en": "Added {qty} x {item} to your cart ({count} items, {total}).",
        "fr": "{qty} x {item} ajouté au panier ({count} articles, {total}).",
    },
    "not_enough": {
        "en": "Sorry, only {available} of {item} left.",
        "fr": "Désolé, il ne reste que {available} x {item}.",
    },
    "sold_out": {
        "en": "Sorry, {item} is sold out. Here are the other options:",
        "fr": "Désolé, {item} est épuisé. Voici les autres choix :",
    },
    "unavailable": {
        "en": "Sorry, that item is no longer available.",
        "fr": "Désolé, cet article n'est plus disponible.",
    },
    "cart_empty": {"en": "Your cart is empty.", "fr": "Votre panier est vide."},
    "cart_title": {"en": "Your cart:", "fr": "Votre panier :"},
    "cart_total": {"en": "Total: {total}", "fr": "Total : {total}"},
    "checkout": {"en": "Checkout", "fr": "Commander"},
    "keep_browsing": {"en": "Keep browsing", "fr": "Continuer"},
    "view_cart": {"en": "View cart", "fr": "Voir le panier"},
    "plus_one": {"en": "+1", "fr": "+1"},
    "minus_one": {"en": "-1", "fr": "-1"},
    "remove": {"en": "Remove", "fr": "Retirer"},
    "removed": {"en": "Removed {item}.", "fr": "{item} retiré."},
    "handoff": {
        "en": "Thanks! A member of our team will answer you here shortly.",
        "fr": "Merci ! Un membre de notre équipe va vous répondre ici très vite.",
    },
    "checkout_handoff": {
        "en": "Great choice! Your cart comes to {total}. A member of our team will take over "
        "here to complete your order.",
        "fr": "Excellent choix ! Votre panier s'élève à {total}. Un membre de notre équipe "
        "prend le relais ici pour finaliser votre commande.",
    },
    "not_understood": {
        "en": "Sorry, I didn't get that. Here is what I can do:",
        "fr": "Désolé, je n'ai pas compris. Voici ce que je peux faire :",
    },
    "unsupported": {
        "en": "I can read text and buttons only. Here is what I can do:",
        "fr": "Je ne lis que le texte et les boutons. Voici ce que je peux faire :",
    },
    "thanks_contact": {
        "en": "Thanks, I've noted your details.",
        "fr": "Merci, j'ai noté vos coordonnées.",
    },
    "sms_hint": {"en": "Reply with a number.", "fr": "Répondez par un numéro."},
}


def say(key: str, language: str, **values) -> str:
    variants = PHRASES[key]
    return variants.get(language, variants["en"]).format(**values)
