"""The shopping bot's screens: what it answers to each tap and sentence.

greeting + menu → categories (skipped when there is at most one) → product carousel (with
"More") → a card's "Buy now" or "Add to cart" (sizes asked only when there are several) → cart
(change quantity, remove, Checkout). Free text is understood (conversations/understanding.py):
a search, where is my order, delivery, returns, sizes, a person… Anything else gets a helpful
reply with the menu: never silence.

Which screen answers which event is the engine's table (conversations/engine/table.py); the
bot reads the catalog and the cart and answers with normalized messages; it neither sends nor
knows which channel it speaks on, only what the channel can do (`capabilities`).
"""

from catalog import selectors as catalog
from catalog.models import Product, Variant
from catalog.translations import category_name, product_title
from channels_adapters import messages as m
from channels_adapters.base import Capabilities
from channels_adapters.registry import adapter_for
from conversations import answers, showcase
from conversations.business_hours import handoff_text
from conversations.checkout_flow import CheckoutFlow
from conversations.engine.state import State, Step, state_load
from conversations.language import shopper_language
from conversations.models import Conversation
from conversations.payloads import encode
from conversations.phrases import say
from conversations.reply import Reply
from conversations.understanding import Intent, Understanding, interpret
from orders import selectors as cart_selectors
from orders import services as cart_services
from orders.funnel import FunnelSource, funnel_record
from orders.models import Cart, FunnelStep
from shops.money import format_amount

PAGE_SIZE = showcase.PAGE_SIZE
# The word the reorder offer advertises: the one that buys again with no offer on screen.
COLD_REORDER_WORDS = {"ok", "okay", "ok!", "ok."}


def understand(text: str, *, bot: "ShoppingBot") -> Understanding:
    """What a sentence means: the one place free text is read."""
    return interpret(text, shop=bot.shop, language=bot.lang, customer=bot.customer)


class ShoppingBot:
    def __init__(
        self,
        conversation: Conversation,
        state: State | None = None,
        capabilities: Capabilities | None = None,
    ):
        self.conversation = conversation
        self.shop = conversation.shop
        self.customer = conversation.customer
        self.lang = shopper_language(conversation)
        self.state = state if state is not None else state_load(conversation.bot_state)
        if capabilities is None:
            capabilities = adapter_for(conversation.channel.kind).capabilities
        self.capabilities = capabilities
        # Who the funnel counts each step for (the dashboard's analytics).
        self.funnel = FunnelSource(
            channel_kind=conversation.channel.kind,
            conversation_id=conversation.pk,
            customer_id=conversation.customer_id,
        )
        self.checkout = CheckoutFlow(self)

    # --- free text --------------------------------------------------------------------------------

    def free_text(self, text: str) -> Reply:
        """A sentence no pending question expects."""
        understood = understand(text, bot=self)
        intent = understood.intent
        if intent == Intent.HUMAN:
            return self.handoff()
        if intent == Intent.YES:
            if self.state.reorder is None and text.strip().casefold() not in COLD_REORDER_WORDS:
                # Only the advertised "OK" buys again unprompted: a stray "oui" or 👍 shows
                # what "OK" would buy and charges nothing.
                offer = self.checkout.reorder_offer()
                if offer is not None:
                    return Reply([offer])
            return self.checkout.reorder()
        if intent == Intent.GREETING:
            return self.greeting()
        if intent == Intent.CART:
            return self.cart()
        if intent == Intent.BROWSE:
            return self.categories()
        if intent == Intent.ORDER_STATUS:
            return self.order_status()
        if intent == Intent.DELIVERY:
            return self._with_menu(answers.delivery(shop=self.shop, language=self.lang))
        if intent == Intent.RETURNS:
            return self._with_menu(answers.returns(shop=self.shop, language=self.lang))
        if intent == Intent.SIZES:
            return answers.sizes(shop=self.shop, language=self.lang, query=understood.query)
        if intent == Intent.THANKS:
            return self.menu(say("welcome", self.lang))
        if intent == Intent.NO:
            return self.menu(say("no_problem", self.lang))
        if intent == Intent.SEARCH:
            self.state.query = text.strip()[:200]
            return self._found(understood, text.strip(), page=0)
        return self.not_understood()

    def _with_menu(self, reply: Reply) -> Reply:
        if reply.hand_off or any(isinstance(x, m.QuickReplies) for x in reply.messages):
            return reply
        *before, last = reply.messages or [m.Text(say("not_understood", self.lang))]
        text = last.text if isinstance(last, m.Text) else ""
        if not text:
            return reply
        return Reply([*before, m.QuickReplies(text, self.menu_options())])

    # --- where is my order ---------------------------------------------------------------------

    def order_status(self, order_id: int | None = None) -> Reply:
        """ "Where is my order?", typed or tapped: the last order's status (or `order_id`'s),
        with the menu when the answer offers nothing else."""
        return self._with_menu(
            answers.order_status(
                shop=self.shop, customer=self.customer, language=self.lang, order_id=order_id
            )
        )

    def open_orders(self) -> Reply:
        return answers.open_orders(shop=self.shop, customer=self.customer, language=self.lang)

    # --- screens ----------------------------------------------------------------------------------

    def menu_options(self) -> tuple[m.Button, ...]:
        return (
            m.Button(say("browse", self.lang), encode("browse")),
            m.Button(say("search", self.lang), encode("search")),
            m.Button(say("my_cart", self.lang), encode("cart")),
            m.Button(say("human", self.lang), encode("human")),
        )

    def menu(self, text: str) -> Reply:
        return self.ask(text, self.menu_options())

    def ask(self, text: str, options: tuple[m.Button, ...], *before) -> Reply:
        self.state.step = Step.MENU
        return Reply([*before, m.QuickReplies(text, options)])

    def greeting(self) -> Reply:
        first_name = (self.customer.name or "").split(" ")[0]
        name = f" {first_name}" if first_name else ""
        # A returning shopper gets what "OK" would buy again.
        offer = self.checkout.reorder_offer()
        returning = self.state.greeted or offer is not None
        self.state.greeted = True
        key = "greeting_back" if returning else "greeting"
        text = say(key, self.lang, name=name, shop=self.shop.name)
        if offer is not None:
            return Reply([m.Text(text), offer])
        if returning:
            text += (
                " " + say("greeting", self.lang, name="", shop=self.shop.name).split(". ", 1)[-1]
            )
        return self.menu(text)

    def not_understood(self) -> Reply:
        return self.menu(say("not_understood", self.lang))

    def unsupported(self) -> Reply:
        return self.menu(say("unsupported", self.lang))

    def handoff(self) -> Reply:
        # Says when a person will answer: soon, or when the team is back.
        text = handoff_text(shop=self.shop, language=self.lang)
        return Reply([m.Text(text)], hand_off=True)

    def ask_search(self) -> Reply:
        self.state.step = Step.SEARCH
        return Reply([m.Text(say("ask_search", self.lang))])

    def categories(self) -> Reply:
        categories = list(catalog.category_list(shop=self.shop)[:10])
        if len(categories) <= 1:
            # One possible answer is never asked: everything, at once.
            return self.products(0, 0)
        options = tuple(
            m.Button(category_name(c, self.lang)[:40], encode("cat", c.pk, 0))
            for c in categories[:9]
        )
        options += (m.Button(say("all_products", self.lang), encode("cat", 0, 0)),)
        return self.ask(say("pick_category", self.lang), options)

    def _carousel(self, products: list[Product], intro: str, more_payload: str) -> Reply:
        carousel = showcase.products_carousel(
            products, shop=self.shop, lang=self.lang, intro=intro, more_payload=more_payload
        )
        self.state.step = Step.MENU
        return Reply([carousel])

    def products(self, category_id: int, page: int) -> Reply:
        found = showcase.products_page(shop=self.shop, category_id=category_id or None, page=page)
        if not found:
            return self.menu(say("unavailable", self.lang))
        return self._carousel(
            found, say("here_are", self.lang), encode("cat", category_id, page + 1)
        )

    def search_page(self, page: int) -> Reply:
        query = self.state.query
        if not query:
            return self.menu(say("not_found", self.lang, query=""))
        return self._found(understand(query, bot=self), query, page=page)

    def _found(self, understood: Understanding, query: str, *, page: int) -> Reply:
        search = understood.shopper_search()
        # The page and one more row, to know whether "More" has anything to show.
        found = catalog.product_search_page(
            shop=self.shop, search=search, start=page * PAGE_SIZE, count=PAGE_SIZE + 1
        )
        if not found:
            return self.menu(say("not_found", self.lang, query=query[:60]))
        return self._carousel(
            found, say("found", self.lang, query=query[:60]), encode("sr", page + 1)
        )

    def _active_product(self, product_id: int, *, images: bool = True) -> Product | None:
        return catalog.active_product(shop=self.shop, product_id=product_id, images=images)

    def show(self, product_id: int) -> Reply:
        """A product chosen by its number (an SMS list shows no buttons): its card as text,
        with the card's own choices, so a number picks a product and never buys one."""
        product = self._active_product(product_id)
        if product is None:
            return self.menu(say("unavailable", self.lang))
        card = showcase.product_card(product, shop=self.shop, lang=self.lang)
        heading = " - ".join(part for part in (card.title, card.price) if part)
        about = "\n".join(part for part in (heading, card.subtitle) if part)
        keep_browsing = m.Button(say("keep_browsing", self.lang), encode("browse"))
        return self.ask(about, (*card.buttons, keep_browsing))

    def product(self, product_id: int) -> Reply:
        """ "Add to cart" on a card with several variants: which one (nothing else, the card is
        on screen already)."""
        return self._choose(product_id, buy=False)

    def buy(self, product_id: int) -> Reply:
        """ "Buy now" on a card with several variants: which one, then straight to checkout."""
        return self._choose(product_id, buy=True)

    def _choose(self, product_id: int, *, buy: bool) -> Reply:
        # The question shows no picture (the card is on screen): its images are not read.
        product = self._active_product(product_id, images=False)
        if product is None:
            return self.menu(say("unavailable", self.lang))
        funnel_record(shop_id=self.shop.pk, source=self.funnel, step=FunnelStep.PRODUCT_VIEWED)
        variants = self._preferred_first(showcase.in_stock_variants(product))
        if not variants:
            return self.menu(say("sold_out", self.lang, item=product_title(product, self.lang)))
        if len(variants) == 1:
            # The variant just read (this shop's, its product active) is not read again.
            only = variants[0]
            return (
                self.buy_variant(only.pk, loaded=only) if buy else self.add(only.pk, 1, loaded=only)
            )
        question = showcase.variant_question(product, variants, lang=self.lang, buy=buy)
        return self.ask(question.text, question.options)

    def _preferred_first(self, variants: list[Variant]) -> list[Variant]:
        """The size (or other option) the shopper chose last time is offered first."""
        preferences = self.customer.preferences or {}

        def score(variant: Variant) -> int:
            options = variant.options or {}
            return -sum(1 for k, v in preferences.items() if str(options.get(k, "")) == str(v))

        return sorted(variants, key=score)

    def _find_variant(self, variant_id: int) -> Variant | None:
        return catalog.active_variant(shop=self.shop, variant_id=variant_id)

    def variant(self, variant_id: int) -> Reply:
        """A variant chosen: one of it in the cart (the quantity changes in the cart)."""
        return self.add(variant_id, 1)

    def buy_variant(self, variant_id: int, *, loaded: Variant | None = None) -> Reply:
        """Buy now: one in the cart, then checkout at once."""
        added = self._put_in_cart(variant_id, 1, loaded=loaded)
        if isinstance(added, Reply):
            return added
        return self.checkout.start()

    def item_name(self, variant: Variant) -> str:
        return showcase.item_name(variant, self.lang)

    def open_cart(self):
        return cart_services.cart_open(shop=self.shop, owner_key=f"customer:{self.customer.pk}")

    def _put_in_cart(
        self, variant_id: int, quantity: int, *, loaded: Variant | None = None
    ) -> tuple[Variant, Cart] | Reply:
        """The variant added and the open cart it went into, or the reply saying why not.
        `loaded`: the variant as _find_variant would return it, read earlier in this event."""
        if loaded is not None and loaded.shop_id == self.shop.pk:
            variant = loaded
        else:
            variant = self._find_variant(variant_id)
        if variant is None or quantity < 1:
            return self.menu(say("unavailable", self.lang))
        if not variant.in_stock:
            return self.product(variant.product_id)
        cart = self.open_cart()
        try:
            cart_services.cart_add(
                cart=cart, variant=variant, quantity=quantity, funnel=self.funnel
            )
        except cart_services.NotEnoughStock as exc:
            return self.menu(
                say("not_enough", self.lang, available=exc.available, item=self.item_name(variant))
            )
        self._remember_choice(variant)
        return variant, cart

    def add(self, variant_id: int, quantity: int, *, loaded: Variant | None = None) -> Reply:
        added = self._put_in_cart(variant_id, quantity, loaded=loaded)
        if isinstance(added, Reply):
            return added
        variant, cart = added
        # The cart the line just went into: reading the open cart again finds the same one.
        view = cart_selectors.cart_view(cart=cart)
        text = say(
            "added",
            self.lang,
            qty=quantity,
            item=self.item_name(variant),
            count=view.item_count,
            total=format_amount(view.total, self.shop.currency, self.lang),
        )
        return self.ask(
            text,
            (
                m.Button(say("checkout", self.lang), encode("checkout")),
                m.Button(say("view_cart", self.lang), encode("cart")),
                m.Button(say("keep_browsing", self.lang), encode("browse")),
            ),
        )

    def shared(self, event: m.ContactShared | m.LocationShared) -> Reply:
        """A phone or location no question asked for: kept for checkout."""
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
        return self.menu(say("thanks_contact", self.lang))

    def _remember_choice(self, variant: Variant) -> None:
        options = variant.options or {}
        # The same size as last time is already remembered: no write.
        if "size" in options and (self.customer.preferences or {}).get("size") != options["size"]:
            self.customer.preferences = {
                **(self.customer.preferences or {}),
                "size": options["size"],
            }
            self.customer.save(update_fields=["preferences"])

    def _line_choices(self, line) -> tuple[m.Button, ...]:
        return (
            m.Button(say("plus_one", self.lang), encode("l", line.pk, line.quantity + 1)),
            m.Button(say("minus_one", self.lang), encode("l", line.pk, line.quantity - 1)),
            m.Button(say("remove", self.lang), encode("l", line.pk, 0)),
        )

    def cart(self) -> Reply:
        view = cart_selectors.cart_view(cart=self.open_cart())
        if not view.lines:
            return self.menu(say("cart_empty", self.lang))
        cards = tuple(
            m.Card(
                title=f"{line.quantity} x {self.item_name(line.variant)}",
                price=format_amount(
                    line.variant.price * line.quantity, self.shop.currency, self.lang
                ),
                image_url=showcase.variant_image_url(line.variant),
                buttons=self._line_choices(line),
                # A line's number (SMS) opens its choices: never one of its buttons.
                payload=encode("line", line.pk),
            )
            for line in view.lines[:10]
        )
        total = say(
            "cart_total", self.lang, total=format_amount(view.total, self.shop.currency, self.lang)
        )
        return self.ask(
            total,
            (
                m.Button(say("checkout", self.lang), encode("checkout")),
                m.Button(say("keep_browsing", self.lang), encode("browse")),
            ),
            m.Carousel(cards, text=say("cart_title", self.lang)),
        )

    def line(self, line_id: int) -> Reply:
        """One cart line's choices (+1, -1, remove), for a line chosen by its number."""
        line = cart_selectors.cart_line_for(cart=self.open_cart(), line_id=line_id)
        if line is None:
            return self.cart()
        text = f"{line.quantity} x {self.item_name(line.variant)}"
        return self.ask(
            text, (*self._line_choices(line), m.Button(say("view_cart", self.lang), encode("cart")))
        )

    def set_line(self, line_id: int, quantity: int) -> Reply:
        line = cart_selectors.cart_line_for(cart=self.open_cart(), line_id=line_id)
        if line is None:
            return self.cart()
        try:
            cart_services.cart_line_set_quantity(line=line, quantity=quantity)
        except cart_services.NotEnoughStock as exc:
            item = self.item_name(line.variant)
            reply = self.cart()
            reply.messages.insert(
                0, m.Text(say("not_enough", self.lang, available=exc.available, item=item))
            )
            return reply
        return self.cart()

    def cart_submitted(self, event: m.CartSubmitted) -> Reply:
        cart = self.open_cart()
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
        return self.cart()
