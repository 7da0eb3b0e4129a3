"""Checkout and payment in the conversation, and "OK" to buy the last order again.

From the cart's Checkout the bot reserves the stock, then asks only for what it does not know
yet — name, phone, shipping option, address (typed, or a shared location) — shows the total
and asks for confirmation. Paying is a link to the provider's hosted page the first time,
"Reply OK to pay €24.99 with Visa •••• 4242" once a card is saved, or a native invoice where
the channel has one (`Capabilities.native_invoice`, and the account ready for it: the
adapter's `invoice_ready`, e.g. a payment provider token). Name, phone
and address are asked in the chat only when no payment sheet collects them: the invoice asks
natively, and a provider whose page collects them (`PaymentProvider.collects_details`) gets the
order without them, and without a delivery option when the shop has several (the page offers
them in the same form). What the shopper gave is remembered for next time. The outcome of a
payment arrives later (conversations/notifications.py).

The flow keeps its place in the conversation's state (engine/state.py): `checkout` and
`order` ids, the step (the question asked), `reorder` (the offer last shown).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from channels_adapters import messages as m
from channels_adapters.registry import adapter_for
from conversations import checkout_location
from conversations.engine.state import ReorderOffer, Step
from conversations.payloads import encode
from conversations.phrases import say
from conversations.reply import Reply
from orders import checkout as checkouts
from orders import stock
from orders.models import Checkout, CheckoutStatus, Order, ShippingRate
from orders.selectors import reorder_quote, shipping_rates
from orders.services import cart_add, cart_open
from orders.transitions import OrderStatus, PaymentStatus
from orders.translations import rate_name
from payments import services as payments
from payments.invoices import invoice_payload, invoice_text
from payments.providers.registry import provider_for
from shops.money import format_amount

if TYPE_CHECKING:
    from conversations.bot import ShoppingBot

PHONE = re.compile(r"^\+?[\d\s().-]{6,24}$")
YES_WORDS = {"ok", "okay", "oui", "yes", "y", "d'accord", "dac", "go", "confirm", "confirmer"}
CANCEL_WORDS = {"cancel", "annuler", "stop checkout"}
# The test provider's page also offers the delivery options (payments/pay_page.py), so a shop
# with several of them costs the shopper no extra tap in the chat.
PAGE_COLLECTS = ("contact_name", "contact_phone", "shipping_rate", "shipping_address")


class CheckoutFlow:
    def __init__(self, bot: ShoppingBot):
        self.bot = bot
        self.shop, self.customer, self.lang = bot.shop, bot.customer, bot.lang
        self.state = bot.state
        self.channel = bot.conversation.channel

    # --- helpers ---------------------------------------------------------------------------

    def _money(self, amount: int) -> str:
        return format_amount(amount, self.shop.currency, self.lang)

    def _say(self, key: str, **values) -> str:
        return say(key, self.lang, **values)

    def _checkout(self) -> Checkout | None:
        checkout_id = self.state.checkout
        if not checkout_id:
            return None
        return (
            Checkout.objects.for_shop(self.shop)
            .select_related("shipping_rate")
            .filter(pk=checkout_id, customer=self.customer)
            .first()
        )

    def _order(self) -> Order | None:
        order_id = self.state.order
        if not order_id:
            return None
        return Order.objects.for_shop(self.shop).filter(pk=order_id, customer=self.customer).first()

    def _remembered(self) -> dict:
        """What we know of the shopper from the channel, earlier chats and their last paid
        order (whose details a payment page or an invoice may have collected): never asked
        twice."""
        preferences = self.customer.preferences or {}
        last = (
            Order.objects.for_shop(self.shop)
            .filter(customer=self.customer, payment_status=PaymentStatus.PAID)
            .order_by("-created_at", "-id")
            .first()
        )
        details = {
            "contact_name": (self.customer.name or (last.contact_name if last else ""))[:150],
            "contact_phone": (self.customer.phone or (last.contact_phone if last else ""))[:32],
            "shipping_address": preferences.get("address")
            or (last.shipping_address if last else {})
            or {},
        }
        rate_id = preferences.get("shipping_rate")
        if not rate_id and last is not None and self._saved_method() is not None:
            # Paying with the saved card, the summary is the one confirmation: it states the
            # option chosen last time (on a payment page too), with "Change delivery". A
            # payment page still offers the choice itself, so nothing is chosen for it.
            rate_id = last.shipping_rate_id
        if rate_id:  # used while the shop still offers it
            details["shipping_rate"] = shipping_rates(shop=self.shop).filter(pk=rate_id).first()
        return details

    def _remember(self, checkout: Checkout) -> None:
        customer = self.customer
        customer.name = checkout.contact_name or customer.name
        customer.phone = checkout.contact_phone or customer.phone
        preferences = dict(customer.preferences or {})
        if checkout.shipping_address:
            preferences["address"] = checkout.shipping_address
        if checkout.shipping_rate_id:
            preferences["shipping_rate"] = checkout.shipping_rate_id
        customer.preferences = preferences
        customer.save(update_fields=["name", "phone", "preferences"])

    def _invoice_channel(self) -> bool:
        if not self.bot.capabilities.native_invoice:
            return False
        return adapter_for(self.channel.kind).invoice_ready(self.channel.credentials or {})

    def _page_provider(self):
        """The provider whose payment page the link opens: whether it asks name, phone and
        address itself (`collects_details`), and how many delivery options it can offer."""
        return provider_for(payments.default_provider(shop_id=self.shop.pk))

    # --- entry points from the bot -----------------------------------------------------------

    def start(self) -> Reply:
        """The cart's Checkout button."""
        cart = cart_open(shop=self.shop, owner_key=f"customer:{self.customer.pk}")
        try:
            checkout = checkouts.checkout_start(
                cart=cart,
                customer=self.customer,
                channel=self.channel,
                funnel=self.bot.funnel,
                **self._remembered(),
            )
        except checkouts.EmptyCart:
            return self.bot.menu(self._say("cart_empty"))
        except stock.NotEnoughStock as exc:
            reply = self.bot.cart()
            item = self.bot.item_name(exc.variant)
            note = self._say("not_enough", available=exc.available, item=item)
            reply.messages.insert(0, m.Text(note))
            return reply
        self.state.checkout, self.state.order = checkout.pk, None
        if self._invoice_channel():
            return self._send_invoice(checkout)
        return self._next(checkout)

    def _open_checkout(self) -> Checkout | None:
        checkout = self._checkout()
        if checkout is None or checkout.status != CheckoutStatus.OPEN:
            return None
        return checkout

    def _answered(self, text: str, record) -> Reply:
        """A typed answer at a checkout step: `record(checkout, value)` stores it, or returns
        the question to ask again."""
        if text.strip().casefold() in CANCEL_WORDS:
            return self.cancel()
        checkout = self._open_checkout()
        if checkout is None:
            return self._expired()
        again = record(checkout, text.strip())
        return again if again is not None else self._next(checkout)

    def name_typed(self, text: str) -> Reply:
        def record(checkout, value):
            if not 2 <= len(value) <= 150:
                return self._question("ask_name")
            checkouts.checkout_update(checkout=checkout, contact_name=value)

        return self._answered(text, record)

    def phone_typed(self, text: str) -> Reply:
        def record(checkout, value):
            if not PHONE.match(value) or sum(ch.isdigit() for ch in value) < 6:
                return self._question("ask_phone_again")
            checkouts.checkout_update(checkout=checkout, contact_phone=value)

        return self._answered(text, record)

    def address_typed(self, text: str) -> Reply:
        def record(checkout, value):
            if not 8 <= len(value) <= 300:
                return self._question("ask_address_again")
            checkouts.checkout_update(checkout=checkout, shipping_address={"text": value})

        return self._answered(text, record)

    def shipping_typed(self, text: str) -> Reply:
        """Text while the shipping options are shown: the same question again."""
        return self._answered(text, lambda checkout, value: None)

    def confirm_typed(self, text: str) -> Reply:
        if _is_yes(text):
            return self.pay(saved=self._saved_method() is not None)
        return self._answered(text, lambda checkout, value: None)

    def phone_shared(self, event: m.ContactShared) -> Reply:
        checkout = self._open_checkout()
        if checkout is None or not event.phone:
            return self.bot.shared(event)
        checkouts.checkout_update(checkout=checkout, contact_phone=event.phone[:32])
        return self._next(checkout)

    def location_shared(self, event: m.LocationShared) -> Reply:
        return checkout_location.location_shared(self, event)

    def choose_rate(self, rate_id: int) -> Reply:
        checkout = self._checkout()
        if checkout is None or checkout.status != CheckoutStatus.OPEN:
            return self._expired()
        rate = shipping_rates(shop=self.shop).filter(pk=rate_id).first()
        if rate is None:
            return self._next(checkout)
        checkouts.checkout_update(checkout=checkout, shipping_rate=rate)
        return self._next(checkout)

    def change_rate(self) -> Reply:
        """ "Change delivery" on the summary: the options again."""
        checkout = self._open_checkout()
        if checkout is None:
            return self._expired()
        self.state.step = Step.SHIPPING
        return self._ask_rate(checkout, list(shipping_rates(shop=self.shop)))

    def change_address(self) -> Reply:
        checkout = self._checkout()
        if checkout is None or checkout.status != CheckoutStatus.OPEN:
            return self._expired()
        checkouts.checkout_update(checkout=checkout, shipping_address={})
        return self._next(checkout)

    # --- the questions ---------------------------------------------------------------------

    def _question(self, key: str, options: tuple[m.Button, ...] = ()) -> Reply:
        cancel = m.Button(self._say("cancel"), encode("cancel"))
        return Reply([m.QuickReplies(self._say(key), (*options, cancel))])

    def _next(self, checkout: Checkout) -> Reply:
        checkout.refresh_from_db()
        rates = list(shipping_rates(shop=self.shop))
        if len(rates) == 1 and checkout.shipping_rate_id is None:
            checkouts.checkout_update(checkout=checkout, shipping_rate=rates[0])
        missing = checkouts.missing_details(checkout, rates_exist=bool(rates))
        page = self._page_provider() if self._saved_method() is None else None
        page_asks = page is not None and page.collects_details
        if page_asks:
            # The payment page asks them in one form the browser fills: not asked here (the
            # delivery option too, unless the shop has more than the page can offer).
            limit = page.delivery_options_max
            page_rates = limit is None or len(rates) <= limit
            missing = [
                d
                for d in missing
                if d not in PAGE_COLLECTS or (d == "shipping_rate" and not page_rates)
            ]
        if "contact_name" in missing:
            self.state.step = Step.NAME
            return self._question("ask_name")
        if "contact_phone" in missing:
            self.state.step = Step.PHONE
            return self._question("ask_phone")
        if "shipping_rate" in missing:
            self.state.step = Step.SHIPPING
            return self._ask_rate(checkout, rates)
        if "shipping_address" in missing:
            return checkout_location.address_question(self)
        if page_asks:
            return self._pay_on_page(checkout)
        self.state.step = Step.CONFIRM
        return self._summary(checkout)

    def _pay_on_page(self, checkout: Checkout) -> Reply:
        """Nothing left to ask in the chat: the order is placed and the payment link follows
        ("Pay €94.90"); the page shows the lines and the total and asks what is missing."""
        try:
            order = checkouts.checkout_complete(checkout=checkout, require_details=False)
        except checkouts.CheckoutError:
            return self._expired()
        self.state.order, self.state.step = order.pk, Step.MENU
        payments.payment_link_start(order=order)
        return Reply([])  # the link follows as soon as the provider made the page

    def _rate_label(self, rate: ShippingRate, subtotal: int) -> str:
        cost = rate.cost_for(subtotal)
        price = self._money(cost) if cost else self._say("free")
        return f"{rate_name(rate, self.bot.lang)} · {price}"

    def _ask_rate(self, checkout: Checkout, rates: list[ShippingRate]) -> Reply:
        subtotal = checkouts.checkout_totals(checkout, checkouts.held_reservations(checkout))
        options = tuple(
            m.Button(self._rate_label(rate, subtotal.subtotal)[:60], encode("ship", rate.pk))
            for rate in rates[:9]
        )
        return self._question("ask_shipping", options)

    def _summary_rows(self, checkout: Checkout) -> list[str]:
        reservations = checkouts.held_reservations(checkout)
        totals = checkouts.checkout_totals(checkout, reservations)
        rows = [
            f"{r.quantity} x {self.bot.item_name(r.variant)}: "
            + self._money(r.unit_price * r.quantity)
            for r in reservations
        ]
        if checkout.shipping_rate:
            rows.append(self._rate_label(checkout.shipping_rate, totals.subtotal))
        rows.append(self._say("total_line", total=self._money(totals.total)))
        return rows

    def _summary(self, checkout: Checkout) -> Reply:
        totals = checkouts.checkout_totals(checkout, checkouts.held_reservations(checkout))
        rows = self._summary_rows(checkout)
        rows.append(
            self._say("deliver_to", who=_who(checkout), where=address_text(checkout, self.bot.lang))
        )
        method = self._saved_method()
        options: list[m.Button] = []
        if method is not None:
            rows.append(
                self._say("reply_ok_to_pay", total=self._money(totals.total), card=method.label)
            )
            options.append(m.Button(self._say("pay_with", card=method.label), encode("okpay")))
            options.append(m.Button(self._say("pay_other"), encode("pay")))
        else:
            options.append(
                m.Button(self._say("pay_amount", total=self._money(totals.total)), encode("pay"))
            )
        if shipping_rates(shop=self.shop)[1:2].exists():
            options.append(m.Button(self._say("change_delivery"), encode("chship")))
        if checkout.shipping_address:
            options.append(m.Button(self._say("change_address"), encode("chaddr")))
        options.append(m.Button(self._say("cancel"), encode("cancel")))
        return Reply([m.QuickReplies("\n".join(rows), tuple(options))])

    def _expired(self) -> Reply:
        self.state.checkout = None
        return self.bot.menu(self._say("checkout_expired"))

    # --- paying --------------------------------------------------------------------------------

    def _saved_method(self):
        return payments.saved_method_for_new_payment(customer=self.customer)

    def _place(self) -> Order | Reply:
        """The order for the current checkout (placed now, or earlier), or a reply saying
        what is missing or why it cannot be placed."""
        order = self._order()
        if order is not None:
            return order
        checkout = self._checkout()
        if checkout is None:
            return self._expired()
        try:
            order = checkouts.checkout_complete(checkout=checkout)
        except checkouts.MissingDetails:
            return self._next(checkout)
        except checkouts.CheckoutError:
            return self._expired()
        self._remember(checkout)
        self.state.order, self.state.step = order.pk, Step.MENU
        return order

    def pay(self, *, saved: bool) -> Reply:
        """Confirm: the order is placed, then paid with the saved card or through a link."""
        placed = self._place()
        if not isinstance(placed, Order):
            return placed
        order = placed
        if order.payment_status not in (PaymentStatus.AWAITING, PaymentStatus.FAILED):
            return self.bot.menu(self._say("order_already", number=order.number))
        method = self._saved_method() if saved else None
        if method is not None:
            payments.payment_saved_start(order=order, method=method)
            text = self._say("paying_with", total=self._money(order.total), card=method.label)
            return Reply([m.Text(text)])
        payments.payment_link_start(order=order)
        return Reply([])  # the link follows as soon as the provider made the page

    def cancel(self) -> Reply:
        order = self._order()
        if order is not None and order.status == OrderStatus.PENDING:
            from orders.lifecycle import order_cancel

            order_cancel(order=order, reason="Cancelled by the shopper", by="customer")
        checkout = self._checkout()
        if checkout is not None:
            checkouts.checkout_cancel(checkout=checkout)
        self.state.checkout = self.state.order = self.state.reorder = None
        return self.bot.menu(self._say("checkout_cancelled"))

    def _send_invoice(self, checkout: Checkout) -> Reply:
        """A channel with native invoices: the invoice asks name, phone and address itself
        and offers the shipping options (is_flexible)."""
        try:
            order = checkouts.checkout_complete(checkout=checkout, require_details=False)
        except checkouts.CheckoutError:
            return self._expired()
        return self._invoice(order)

    def _invoice(self, order: Order) -> Reply:
        self.state.order, self.state.step = order.pk, Step.MENU
        # The channel's own provider takes the money, named after its kind.
        payment = payments.payment_invoice_start(order=order, provider=self.channel.kind)
        # In the shopper's language: the items by their translated titles.
        text = invoice_text(order=order, language=self.bot.lang)
        rates = list(shipping_rates(shop=self.shop))
        needs_address = any(rate.needs_address for rate in rates) or not rates
        invoice = m.Invoice(
            title=text.title,
            description=text.description,
            payload=invoice_payload(payment),
            currency=order.currency,
            prices=text.prices,
            need_name=True,
            need_phone_number=True,
            need_shipping_address=needs_address,
            is_flexible=bool(rates),
        )
        return Reply([invoice])

    # --- "OK" to buy the last order again ------------------------------------------------------

    def _reorder_path(self):
        """How a reorder is paid here: the saved card, the channel's invoice, or a link."""
        method = self._saved_method()
        if method is not None:
            return method
        return "invoice" if self._invoice_channel() else "link"

    def reorder_offer(self) -> m.OutboundMessage | None:
        """One message showing what "OK" will buy, or None when there is nothing to repeat."""
        quote = reorder_quote(shop=self.shop, customer=self.customer, language=self.bot.lang)
        if quote is None or not quote.available:
            return None
        path = self._reorder_path()
        method = path if not isinstance(path, str) else None
        self.state.reorder = ReorderOffer(
            order=quote.order.pk, total=quote.total, method=method.pk if method else None
        )
        self.state.step = Step.REORDER
        items = ", ".join(f"{q} x {title}" for title, q in quote.items)
        total = self._money(quote.total)
        if method is not None:
            text = self._say("reorder_offer", total=total, card=method.label, items=items)
        else:
            text = self._say("reorder_offer_pay", total=total, items=items)
        options = (
            m.Button(self._say("reorder_button", total=total)[:20], encode("reorder")),
            *self.bot.menu_options(),
        )
        return m.QuickReplies(text, options)

    def reorder(self) -> Reply:
        """OK / oui / the Reorder button: the same items, address and payment, now — if
        nothing changed since the offer (or, without one, since the last order). Otherwise
        say what changed and offer the rest."""
        shown = self.state.reorder
        quote = reorder_quote(shop=self.shop, customer=self.customer, language=self.bot.lang)
        if quote is None:
            return self.bot.menu(self._say("nothing_to_reorder"))
        self.state.reorder, self.state.step = None, Step.MENU
        path = self._reorder_path()
        method = path if not isinstance(path, str) else None
        if shown is None:
            # "OK" before any offer: the same as last time, at last time's total; anything
            # changed is said, and nothing is charged.
            if quote.changes or not quote.available or quote.total != quote.order.total:
                return self._reorder_changed(quote)
        elif (method.pk if method else None) != shown.method:
            offer = self.reorder_offer()  # the card was removed or added since: show it again
            return Reply([offer]) if offer else self.bot.menu(self._say("nothing_to_reorder"))
        elif not quote.available or quote.total != shown.total:
            return self._reorder_changed(quote)
        cart = cart_open(shop=self.shop, owner_key=f"reorder:{self.customer.pk}")
        cart.lines.all().delete()
        for variant, quantity in quote.lines:
            cart_add(cart=cart, variant=variant, quantity=quantity, funnel=self.bot.funnel)
        last = quote.order
        try:
            checkout = checkouts.checkout_start(
                cart=cart,
                customer=self.customer,
                channel=self.channel,
                funnel=self.bot.funnel,
                contact_name=last.contact_name,
                contact_phone=last.contact_phone,
                shipping_address=last.shipping_address,
                shipping_rate=last.shipping_rate,
            )
            # The invoice and the payment page ask again what the last order lacked.
            order = checkouts.checkout_complete(
                checkout=checkout, require_details=method is not None
            )
        except (stock.NotEnoughStock, checkouts.CheckoutError):
            return self._reorder_changed(
                reorder_quote(shop=self.shop, customer=self.customer, language=self.bot.lang)
            )
        self.state.checkout = checkout.pk
        if path == "invoice":
            return self._invoice(order)
        self.state.order = order.pk
        if method is None:
            payments.payment_link_start(order=order)
            return Reply([])  # the link follows as soon as the provider made the page
        payments.payment_saved_start(order=order, method=method)
        text = self._say("paying_with", total=self._money(order.total), card=method.label)
        return Reply([m.Text(text)])

    def _reorder_changed(self, quote) -> Reply:
        """An item is gone or its price moved: the shopper decides, with what is available
        put in the cart."""
        cart = cart_open(shop=self.shop, owner_key=f"customer:{self.customer.pk}")
        for variant, quantity in quote.lines if quote else []:
            try:
                cart_add(cart=cart, variant=variant, quantity=quantity, funnel=self.bot.funnel)
            except stock.NotEnoughStock:
                continue
        notes = []
        for change in quote.changes if quote else []:
            values = {"item": change.item}
            if change.kind == "price":
                values.update(old=self._money(change.old_price), new=self._money(change.new_price))
            notes.append(self._say(f"reorder_{change.kind}", **values))
        reply = self.bot.cart()
        reply.messages.insert(0, m.Text("\n".join([self._say("reorder_changed"), *notes])))
        return reply


def _is_yes(text: str) -> bool:
    return text.strip().casefold().rstrip("!. ") in YES_WORDS


def _who(checkout: Checkout) -> str:
    return ", ".join(v for v in (checkout.contact_name, checkout.contact_phone) if v)


def address_text(holder, language: str = "") -> str:
    """A checkout's or order's shipping address as one line; `language`: the shopper's, for
    a pickup's rate name."""
    line = checkout_location.address_line(holder.shipping_address or {})
    if line:
        return line
    rate = holder.shipping_rate
    return rate_name(rate, language) if rate else "-"  # pickup: where to collect it
