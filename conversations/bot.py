"""The shopping bot: the one place that knows the shopping flow.

greeting + menu → categories → product carousel (with "More") → product → variant → quantity →
cart (change quantity, remove, Checkout). Free text searches the catalog; "human", "agent",
"help" hand the conversation to a person. Anything else gets a helpful reply with the menu:
never silence. It reads the catalog and the cart, and answers with normalized messages; it
neither sends nor knows any channel.
"""

import re

from catalog import selectors as catalog
from catalog.models import Product, Variant
from channels_adapters import messages as m
from conversations import showcase
from conversations.business_hours import handoff_text
from conversations.checkout_flow import CheckoutFlow, _is_yes
from conversations.models import Conversation
from conversations.payloads import Tap, decode, encode
from conversations.phrases import say
from conversations.reply import Reply
from orders import selectors as cart_selectors
from orders import services as cart_services
from orders.funnel import FunnelSource, funnel_record
from orders.models import FunnelStep
from shops.money import format_amount

PAGE_SIZE = showcase.PAGE_SIZE
HANDOFF_WORDS = {"human", "agent", "help", "humain", "conseiller", "aide", "person", "personne"}
GREETING_WORDS = {"hi", "hello", "hey", "bonjour", "salut", "coucou", "start", "/start", "menu"}
CART_WORDS = {"cart", "basket", "panier"}
BROWSE_WORDS = {"browse", "catalog", "catalogue", "shop", "parcourir", "boutique"}
_WORDS = re.compile(r"[\w/]+")


class ShoppingBot:
    def __init__(self, conversation: Conversation):
        self.conversation = conversation
        self.shop = conversation.shop
        self.customer = conversation.customer
        self.lang = self.shop.language
        self.state = conversation.bot_state
        # Who the funnel counts each step for (the dashboard's analytics).
        self.funnel = FunnelSource(
            channel_kind=conversation.channel.kind,
            conversation_id=conversation.pk,
            customer_id=conversation.customer_id,
        )
        self.checkout = CheckoutFlow(self)

    # --- entry point ----------------------------------------------------------------------------

    def respond(self, event: m.InboundEvent) -> Reply:
        if isinstance(event, m.ButtonPressed):
            tap = decode(event.payload)
            return self._tap(tap) if tap else self._not_understood()
        if isinstance(event, m.TextReceived):
            return self._text(event.text)
        if isinstance(event, m.CartSubmitted):
            return self._cart_submitted(event)
        if isinstance(event, m.ContactShared | m.LocationShared):
            answered = self.checkout.contact(event)
            if answered is not None:
                return answered
            self._remember_contact(event)
            return self._menu(say("thanks_contact", self.lang))
        return self._menu(say("unsupported", self.lang))

    # --- text -----------------------------------------------------------------------------------

    def _text(self, text: str) -> Reply:
        words = set(_WORDS.findall(text.casefold()))
        stripped = text.strip()
        if words & HANDOFF_WORDS or "talk to a person" in text.casefold():
            return self._handoff()
        # A number picks from the last menu (how SMS shoppers tap), checkout steps included.
        if stripped.isdigit() and self.state.get("options"):
            index = int(stripped) - 1
            options = self.state["options"]
            if 0 <= index < len(options) and (tap := decode(options[index])):
                return self._tap(tap)
        if self.checkout.handles_text(text):
            return self.checkout.text(text)
        if _is_yes(text):
            return self.checkout.reorder()
        if self.state.get("awaiting") == "quantity" and stripped.isdigit():
            return self._add(self.state.get("variant", 0), int(stripped))
        if words & GREETING_WORDS and len(words) <= 3:
            return self._greeting()
        if words & CART_WORDS and len(words) <= 2:
            return self._cart()
        if words & BROWSE_WORDS and len(words) <= 2:
            return self._categories()
        if not stripped:
            return self._not_understood()
        return self._search(stripped, page=0)

    # --- taps -----------------------------------------------------------------------------------

    def _tap(self, tap: Tap) -> Reply:
        handlers = {
            "start": lambda: self._greeting(),
            "menu": lambda: self._greeting(),
            "browse": lambda: self._categories(),
            "search": lambda: self._ask_search(),
            "cart": lambda: self._cart(),
            "human": lambda: self._handoff(),
            "checkout": lambda: self.checkout.start(),
            "ship": lambda: self.checkout.choose_rate(tap.args[0]),
            "pay": lambda: self.checkout.pay(saved=False),
            "okpay": lambda: self.checkout.pay(saved=True),
            "chaddr": lambda: self.checkout.change_address(),
            "cancel": lambda: self.checkout.cancel(),
            "reorder": lambda: self.checkout.reorder(),
            "cat": lambda: self._products(category_id=tap.args[0], page=tap.args[1]),
            "sr": lambda: self._search(self.state.get("query", ""), page=tap.args[0]),
            "p": lambda: self._product(tap.args[0]),
            "v": lambda: self._variant(tap.args[0]),
            "q": lambda: self._add(tap.args[0], tap.args[1]),
            "l": lambda: self._set_line(tap.args[0], tap.args[1]),
        }
        return handlers[tap.action]()

    # --- screens ----------------------------------------------------------------------------------

    def _menu_options(self) -> tuple[m.Button, ...]:
        return (
            m.Button(say("browse", self.lang), encode("browse")),
            m.Button(say("search", self.lang), encode("search")),
            m.Button(say("my_cart", self.lang), encode("cart")),
            m.Button(say("human", self.lang), encode("human")),
        )

    def _menu(self, text: str) -> Reply:
        return self._ask(text, self._menu_options())

    def _ask(self, text: str, options: tuple[m.Button, ...], *before) -> Reply:
        self.state["options"] = [o.payload for o in options if o.payload]
        self.state.pop("awaiting", None)
        return Reply([*before, m.QuickReplies(text, options)])

    def _greeting(self) -> Reply:
        first_name = (self.customer.name or "").split(" ")[0]
        name = f" {first_name}" if first_name else ""
        # A shopper with a paid order and a saved card gets what "OK" would buy again.
        offer = self.checkout.reorder_offer()
        returning = self.state.get("greeted") or offer is not None
        self.state["greeted"] = True
        key = "greeting_back" if returning else "greeting"
        text = say(key, self.lang, name=name, shop=self.shop.name)
        if offer is not None:
            return Reply([m.Text(text), offer])
        if returning:
            text += (
                " " + say("greeting", self.lang, name="", shop=self.shop.name).split(". ", 1)[-1]
            )
        return self._menu(text)

    def _not_understood(self) -> Reply:
        return self._menu(say("not_understood", self.lang))

    def _handoff(self) -> Reply:
        # Says when a person will answer: soon, or when the team is back.
        text = handoff_text(shop=self.shop, language=self.lang)
        return Reply([m.Text(text)], hand_off=True)

    def _ask_search(self) -> Reply:
        self.state["options"] = []
        self.state["awaiting"] = "search"
        return Reply([m.Text(say("ask_search", self.lang))])

    def _categories(self) -> Reply:
        categories = list(catalog.category_list(shop=self.shop)[:9])
        options = tuple(m.Button(c.name[:40], encode("cat", c.pk, 0)) for c in categories)
        options += (m.Button(say("all_products", self.lang), encode("cat", 0, 0)),)
        return self._ask(say("pick_category", self.lang), options)

    def _carousel(self, products: list[Product], intro: str, more_payload: str) -> Reply:
        carousel = showcase.products_carousel(
            products, shop=self.shop, lang=self.lang, intro=intro, more_payload=more_payload
        )
        page = products[:PAGE_SIZE]
        self.state["options"] = [encode("p", p.pk) for p in page] + (
            [more_payload] if carousel.more else []
        )
        self.state.pop("awaiting", None)
        return Reply([carousel])

    def _page(self, products, page: int) -> list[Product]:
        start = page * PAGE_SIZE
        return list(products[start : start + PAGE_SIZE + 1])

    def _products(self, *, category_id: int, page: int) -> Reply:
        found = showcase.products_page(shop=self.shop, category_id=category_id or None, page=page)
        if not found:
            return self._menu(say("unavailable", self.lang))
        return self._carousel(
            found, say("here_are", self.lang), encode("cat", category_id, page + 1)
        )

    def _search(self, query: str, *, page: int) -> Reply:
        self.state["query"] = query[:200]
        products = catalog.product_list(shop=self.shop, query=query, active=True).order_by(
            "created_at", "id"
        )
        found = self._page(products, page) if query else []
        if not found:
            return self._menu(say("not_found", self.lang, query=query[:60]))
        return self._carousel(
            found, say("found", self.lang, query=query[:60]), encode("sr", page + 1)
        )

    def _product(self, product_id: int) -> Reply:
        product = catalog.product_list(shop=self.shop, active=True).filter(pk=product_id).first()
        if product is None:
            return self._menu(say("unavailable", self.lang))
        funnel_record(shop_id=self.shop.pk, source=self.funnel, step=FunnelStep.PRODUCT_VIEWED)
        variants = self._preferred_first(showcase.in_stock_variants(product))
        if not variants:
            return self._menu(say("sold_out", self.lang, item=product.title))
        if len(variants) == 1:
            return self._variant(variants[0].pk)
        card, question = showcase.variant_choice(product, variants, shop=self.shop, lang=self.lang)
        return self._ask(question.text, question.options, card)

    def _preferred_first(self, variants: list[Variant]) -> list[Variant]:
        """The size (or other option) the shopper chose last time is offered first."""
        preferences = self.customer.preferences or {}

        def score(variant: Variant) -> int:
            options = variant.options or {}
            return -sum(1 for k, v in preferences.items() if str(options.get(k, "")) == str(v))

        return sorted(variants, key=score)

    def _find_variant(self, variant_id: int) -> Variant | None:
        return (
            Variant.objects.for_shop(self.shop)
            .select_related("product")
            .filter(pk=variant_id, product__active=True)
            .first()
        )

    def _variant(self, variant_id: int) -> Reply:
        variant = self._find_variant(variant_id)
        if variant is None:
            return self._menu(say("unavailable", self.lang))
        if not variant.in_stock:
            return self._product(variant.product_id)
        question = showcase.quantity_question(variant, lang=self.lang)
        reply = self._ask(question.text, question.options)
        self.state["awaiting"] = "quantity"
        self.state["variant"] = variant.pk
        return reply

    def _item_name(self, variant: Variant) -> str:
        return showcase.item_name(variant)

    def _open_cart(self):
        return cart_services.cart_open(shop=self.shop, owner_key=f"customer:{self.customer.pk}")

    def _add(self, variant_id: int, quantity: int) -> Reply:
        variant = self._find_variant(variant_id)
        if variant is None or quantity < 1:
            return self._menu(say("unavailable", self.lang))
        cart = self._open_cart()
        try:
            cart_services.cart_add(
                cart=cart, variant=variant, quantity=quantity, funnel=self.funnel
            )
        except cart_services.NotEnoughStock as exc:
            return self._menu(
                say("not_enough", self.lang, available=exc.available, item=self._item_name(variant))
            )
        self._remember_choice(variant)
        view = cart_selectors.cart_view(cart=cart)
        text = say(
            "added",
            self.lang,
            qty=quantity,
            item=self._item_name(variant),
            count=view.item_count,
            total=format_amount(view.total, self.shop.currency, self.lang),
        )
        return self._ask(
            text,
            (
                m.Button(say("checkout", self.lang), encode("checkout")),
                m.Button(say("view_cart", self.lang), encode("cart")),
                m.Button(say("keep_browsing", self.lang), encode("browse")),
            ),
        )

    def _remember_contact(self, event: m.ContactShared | m.LocationShared) -> None:
        """Kept for checkout (next issue): the phone, and where the shopper said they are."""
        customer = self.customer
        if isinstance(event, m.ContactShared):
            customer.phone = event.phone[:32] or customer.phone
            customer.name = customer.name or event.name[:150]
        else:
            location = {"latitude": event.latitude, "longitude": event.longitude}
            if event.address:
                location["address"] = event.address[:300]
            customer.preferences = {**(customer.preferences or {}), "location": location}
        customer.save(update_fields=["phone", "name", "preferences"])

    def _remember_choice(self, variant: Variant) -> None:
        options = variant.options or {}
        if "size" in options:
            self.customer.preferences = {
                **(self.customer.preferences or {}),
                "size": options["size"],
            }
            self.customer.save(update_fields=["preferences"])

    def _cart(self) -> Reply:
        view = cart_selectors.cart_view(cart=self._open_cart())
        if not view.lines:
            return self._menu(say("cart_empty", self.lang))
        cards = tuple(
            m.Card(
                title=f"{line.quantity} x {self._item_name(line.variant)}",
                price=format_amount(
                    line.variant.price * line.quantity, self.shop.currency, self.lang
                ),
                buttons=(
                    m.Button(say("plus_one", self.lang), encode("l", line.pk, line.quantity + 1)),
                    m.Button(say("minus_one", self.lang), encode("l", line.pk, line.quantity - 1)),
                    m.Button(say("remove", self.lang), encode("l", line.pk, 0)),
                ),
            )
            for line in view.lines[:10]
        )
        total = say(
            "cart_total", self.lang, total=format_amount(view.total, self.shop.currency, self.lang)
        )
        return self._ask(
            total,
            (
                m.Button(say("checkout", self.lang), encode("checkout")),
                m.Button(say("keep_browsing", self.lang), encode("browse")),
            ),
            m.Carousel(cards, text=say("cart_title", self.lang)),
        )

    def _set_line(self, line_id: int, quantity: int) -> Reply:
        line = cart_selectors.cart_line_for(cart=self._open_cart(), line_id=line_id)
        if line is None:
            return self._cart()
        try:
            cart_services.cart_line_set_quantity(line=line, quantity=quantity)
        except cart_services.NotEnoughStock as exc:
            item = self._item_name(line.variant)
            reply = self._cart()
            reply.messages.insert(
                0, m.Text(say("not_enough", self.lang, available=exc.available, item=item))
            )
            return reply
        return self._cart()

    def _cart_submitted(self, event: m.CartSubmitted) -> Reply:
        cart = self._open_cart()
        skus = {item.retailer_id: item.quantity for item in event.items}
        variants = Variant.objects.for_shop(self.shop).filter(
            sku__in=list(skus), product__active=True
        )
        for variant in variants:
            try:
                cart_services.cart_add(
                    cart=cart, variant=variant, quantity=skus[variant.sku], funnel=self.funnel
                )
            except cart_services.NotEnoughStock:
                continue
        return self._cart()
