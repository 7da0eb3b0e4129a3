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
    # Nobody of the team online (conversations/business_hours.py).
    "handoff_later": {
        "en": "Thanks! A member of our team will answer you here as soon as possible.",
        "fr": "Merci ! Un membre de notre équipe vous répondra ici dès que possible.",
    },
    "handoff_away": {
        "en": "Thanks! Our team is away right now and back {when}: a member of the team will "
        "answer you here then.",
        "fr": "Merci ! Notre équipe est absente pour le moment et de retour {when} : un membre "
        "de l'équipe vous répondra ici.",
    },
    "when_today": {"en": "today at {time}", "fr": "aujourd'hui à {time}"},
    "when_tomorrow": {"en": "tomorrow at {time}", "fr": "demain à {time}"},
    "when_weekday": {"en": "on {day} at {time}", "fr": "{day} à {time}"},
    # --- checkout ---
    "cancel": {"en": "Cancel", "fr": "Annuler"},
    "ask_name": {
        "en": "Who is the order for? Please type your full name.",
        "fr": "Au nom de qui est la commande ? Écrivez votre nom complet.",
    },
    "ask_phone": {
        "en": "What phone number can the courier reach you on?",
        "fr": "À quel numéro le livreur peut-il vous joindre ?",
    },
    "ask_phone_again": {
        "en": "That doesn't look like a phone number. Please type it with digits, e.g. "
        "+33 6 12 34 56 78.",
        "fr": "Ce numéro ne semble pas valide. Écrivez-le en chiffres, par ex. +33 6 12 34 56 78.",
    },
    "ask_shipping": {"en": "How would you like to receive it?", "fr": "Comment la recevoir ?"},
    "ask_address": {
        "en": "Where should we deliver? Type the full address (or share your location).",
        "fr": "Où livrer ? Écrivez l'adresse complète (ou partagez votre position).",
    },
    "ask_address_again": {
        "en": "Please type the full address: street, postcode and city.",
        "fr": "Écrivez l'adresse complète : rue, code postal et ville.",
    },
    "free": {"en": "free", "fr": "offert"},
    "total_line": {"en": "Total: {total}", "fr": "Total : {total}"},
    "deliver_to": {"en": "For {who}: {where}", "fr": "Pour {who} : {where}"},
    "reply_ok_to_pay": {
        "en": "Reply OK to pay {total} with {card}.",
        "fr": "Répondez OK pour payer {total} avec {card}.",
    },
    "pay_with": {"en": "Pay with {card}", "fr": "Payer avec {card}"},
    "pay_other": {"en": "Another card", "fr": "Autre carte"},
    "pay_amount": {"en": "Pay {total}", "fr": "Payer {total}"},
    "change_address": {"en": "Change address", "fr": "Changer d'adresse"},
    "checkout_expired": {
        "en": "That checkout has ended. Your items are back in the shop: here is what I can do.",
        "fr": "Cette commande n'est plus en cours. Voici ce que je peux faire :",
    },
    "checkout_cancelled": {
        "en": "Your order is cancelled. Anything else?",
        "fr": "Votre commande est annulée. Autre chose ?",
    },
    "order_already": {
        "en": "Order #{number} is already taken care of.",
        "fr": "La commande n°{number} est déjà réglée.",
    },
    "paying_with": {
        "en": "Paying {total} with {card}…",
        "fr": "Paiement de {total} avec {card}…",
    },
    "invoice_title": {"en": "{shop} #{number}", "fr": "{shop} n°{number}"},
    "reorder_offer": {
        "en": "Same as last time? {items}. Reply OK to pay {total} with {card}.",
        "fr": "Comme la dernière fois ? {items}. Répondez OK pour payer {total} avec {card}.",
    },
    "reorder_button": {"en": "Reorder {total}", "fr": "Recommander {total}"},
    "nothing_to_reorder": {
        "en": "There is no earlier order to repeat yet. Here is what I can do:",
        "fr": "Pas encore de commande à renouveler. Voici ce que je peux faire :",
    },
    "reorder_changed": {
        "en": "Something changed since your last order, so I have not charged you:",
        "fr": "Quelque chose a changé depuis votre dernière commande, je n'ai rien débité :",
    },
    "reorder_gone": {
        "en": "• {item} is no longer available.",
        "fr": "• {item} n'est plus disponible.",
    },
    "reorder_price": {
        "en": "• {item} is now {new} (was {old}).",
        "fr": "• {item} coûte maintenant {new} (au lieu de {old}).",
    },
    # --- after the order (conversations/notifications.py) ---
    "pay_link": {
        "en": "Order #{number}: {total}. Pay securely here (the items are kept for you for "
        "{minutes} minutes):",
        "fr": "Commande n°{number} : {total}. Payez en toute sécurité ici (articles réservés "
        "{minutes} minutes) :",
    },
    "pay_button": {"en": "Pay {total}", "fr": "Payer {total}"},
    "payment_action": {
        "en": "Your bank asks you to confirm the payment of order #{number}:",
        "fr": "Votre banque demande de confirmer le paiement de la commande n°{number} :",
    },
    "confirm_button": {"en": "Confirm payment", "fr": "Confirmer"},
    "payment_failed": {
        "en": "The payment for order #{number} did not go through: {reason} Try another way?",
        "fr": "Le paiement de la commande n°{number} n'a pas abouti : {reason} Essayer autrement ?",
    },
    "payment_unavailable": {
        "en": "Payment is unavailable for a moment. Your items stay reserved; please try again "
        "in a few minutes.",
        "fr": "Le paiement est momentanément indisponible. Vos articles restent réservés ; "
        "réessayez dans quelques minutes.",
    },
    "try_again": {"en": "Try again", "fr": "Réessayer"},
    "receipt_heading": {
        "en": "Thank you! Order #{number} is paid.",
        "fr": "Merci ! La commande n°{number} est réglée.",
    },
    # Receipt labels, with the language's punctuation before the value.
    "subtotal": {"en": "Subtotal:", "fr": "Sous-total :"},
    "shipping": {"en": "Shipping:", "fr": "Livraison :"},
    "total_label": {"en": "Total:", "fr": "Total :"},
    "paid_with": {"en": "Paid with:", "fr": "Payé avec :"},
    "ship_to": {"en": "Ship to:", "fr": "Livraison à :"},
    "shipped": {
        "en": "Good news: order #{number} is on its way!",
        "fr": "Bonne nouvelle : la commande n°{number} est en route !",
    },
    "tracking": {"en": "Tracking: {tracking}", "fr": "Suivi : {tracking}"},
    "track_button": {"en": "Track parcel", "fr": "Suivre le colis"},
    "refunded": {
        "en": "We have refunded {amount} for order #{number}.",
        "fr": "Nous avons remboursé {amount} pour la commande n°{number}.",
    },
    "cancelled_expired": {
        "en": "Order #{number} was not paid in time, so its items went back on sale. Your "
        "card was not charged.",
        "fr": "La commande n°{number} n'a pas été payée à temps : ses articles sont de nouveau "
        "en vente. Rien n'a été débité.",
    },
    "cancelled_by_shop": {
        "en": "Order #{number} has been cancelled by {shop}.",
        "fr": "La commande n°{number} a été annulée par {shop}.",
    },
    "paid_too_late": {
        "en": "Your payment for order #{number} arrived after the items sold out. We are "
        "refunding it in full; sorry!",
        "fr": "Votre paiement pour la commande n°{number} est arrivé après l'épuisement des "
        "articles. Nous vous remboursons intégralement ; désolé !",
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
    # conversations/answers.py: where is my order, delivery, returns, sizes.
    "order_none": {
        "en": "I can't find an order of yours yet. Once you have ordered, ask me here to "
        "follow it.",
        "fr": "Je ne trouve pas encore de commande à votre nom. Une fois votre commande "
        "passée, demandez-moi ici pour la suivre.",
    },
    "order_awaiting_payment": {
        "en": "Order #{number} is waiting for its payment.",
        "fr": "La commande n°{number} attend son paiement.",
    },
    "order_preparing": {
        "en": "Order #{number} is paid and being prepared. You will get its tracking number "
        "here as soon as it ships.",
        "fr": "La commande n°{number} est payée et en préparation. Vous recevrez ici son "
        "numéro de suivi dès l'expédition.",
    },
    "order_shipped": {
        "en": "Order #{number} has shipped.",
        "fr": "La commande n°{number} est expédiée.",
    },
    "order_carrier": {"en": "Carrier: {carrier}", "fr": "Transporteur : {carrier}"},
    "order_delivered": {
        "en": "Order #{number} has been delivered.",
        "fr": "La commande n°{number} a été livrée.",
    },
    "order_cancelled": {
        "en": "Order #{number} was cancelled.",
        "fr": "La commande n°{number} a été annulée.",
    },
    "order_refunded": {
        "en": "Order #{number} has been refunded.",
        "fr": "La commande n°{number} a été remboursée.",
    },
    "delivery_ask_team": {
        "en": "Our team will tell you about delivery times and costs.",
        "fr": "Notre équipe vous renseignera sur les délais et frais de livraison.",
    },
    "returns_ask_team": {
        "en": "Our team will tell you how returns and refunds work.",
        "fr": "Notre équipe vous expliquera comment se passent les retours et remboursements.",
    },
    "sizes_available": {
        "en": "{product} is available in: {sizes}.",
        "fr": "{product} est disponible en : {sizes}.",
    },
    "sizes_one": {
        "en": "{product} comes in one size only.",
        "fr": "{product} existe en taille unique.",
    },
    "sizes_sold_out": {
        "en": "{product} is sold out in every size for now.",
        "fr": "{product} est épuisé dans toutes les tailles pour le moment.",
    },
    "sizes_which_product": {
        "en": "Which item do you mean? Tell me its name, for example “sizes of the red dress”.",
        "fr": "De quel article parlez-vous ? Donnez-moi son nom, par exemple « tailles de la "
        "robe rouge ».",
    },
    "see_product": {"en": "See it", "fr": "Voir l'article"},
}

WEEKDAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
}


def say(key: str, language: str, **values) -> str:
    variants = PHRASES[key]
    return variants.get(language, variants["en"]).format(**values)
