"""Checkout and payment in the conversation, and "OK" to buy the last order again.

From the cart's Checkout the bot reserves the stock, then asks only for what it does not know
yet — name, phone, shipping option, address (typed, or a shared location) — shows the total
and asks for confirmation. Paying is a link to the provider's hosted page the first time,
"Reply OK to pay €24.99 with Visa •••• 4242" once a card is saved, or a native invoice on a
Telegram channel that has a payment provider token. What the shopper gave is remembered for
next time. The outcome of a payment arrives later (conversations/notifications.py).

The flow keeps its place in the conversation's bot_state: `checkout` (id), `awaiting` (the
question asked), `order` (id once placed), `reorder` (the quote last shown).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from channels_adapters import messages as m
from conversations.payloads import encode
from conversations.phrases import say
from conversations.reply import Reply
from orders import checkout as checkouts
from orders import stock
from orders.models import Checkout, CheckoutStatus, Order, ShippingRate
from orders.selectors import reorder_quote, shipping_rates
from orders.services import cart_add, cart_open
from orders.transitions import OrderStatus, PaymentStatus
from payments import services as payments
from shops.money import format_amount

if TYPE_CHECKING:
    from conversations.bot import ShoppingBot

PHONE = re.compile(r"^\+?[\d\s().-]{6,24}$")
YES_WORDS = {"ok", "okay", "oui", "yes", "y", "d'accord", "dac", "go", "confirm", "confirmer"}
CANCEL_WORDS = {"cancel", "annuler", "stop checkout"}
STEPS = ("name", "phone", "shipping", "address", "confirm")


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
        checkout_id = self.state.get("checkout")
        if not checkout_id:
            return None
        return (
            Checkout.objects.for_shop(self.shop)
            .select_related("shipping_rate")
            .filter(pk=checkout_id, customer=self.customer)
            .first()
        )

    def _order(self) -> Order | None:
        order_id = self.state.get("order")
        if not order_id:
            return None
        return Order.objects.for_shop(self.shop).filter(pk=order_id, customer=self.customer).first()

    def _remembered(self) -> dict:
        """What we know of the shopper from earlier orders and the channel."""
        preferences = self.customer.preferences or {}
        details = {
            "contact_name": self.customer.name[:150],
            "contact_phone": self.customer.phone[:32],
            "shipping_address": preferences.get("address") or {},
        }
        rate_id = preferences.get("shipping_rate")
        if rate_id:
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
        return self.channel.kind == "telegram" and bool(
            (self.channel.credentials or {}).get("payment_provider_token")
        )

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
            return self.bot._menu(self._say("cart_empty"))
        except stock.NotEnoughStock as exc:
            reply = self.bot._cart()
            item = self.bot._item_name(exc.variant)
            note = self._say("not_enough", available=exc.available, item=item)
            reply.messages.insert(0, m.Text(note))
            return reply
        self.state["checkout"] = checkout.pk
        self.state.pop("order", None)
        if self._invoice_channel():
            return self._send_invoice(checkout)
        return self._next(checkout)

    def handles_text(self, text: str) -> bool:
        return self.state.get("awaiting") in STEPS or (
            self.state.get("awaiting") == "reorder" and _is_yes(text)
        )

    def text(self, text: str) -> Reply:
        awaiting = self.state.get("awaiting")
        words = text.strip().casefold()
        if words in CANCEL_WORDS:
            return self.cancel()
        if awaiting == "reorder":
            return self.reorder()
        checkout = self._checkout()
        if checkout is None or checkout.status != CheckoutStatus.OPEN:
            return self._expired()
        value = text.strip()
        if awaiting == "name":
            if not 2 <= len(value) <= 150:
                return self._question("ask_name")
            checkouts.checkout_update(checkout=checkout, contact_name=value)
        elif awaiting == "phone":
            if not PHONE.match(value) or sum(ch.isdigit() for ch in value) < 6:
                return self._question("ask_phone_again")
            checkouts.checkout_update(checkout=checkout, contact_phone=value)
        elif awaiting == "address":
            if not 8 <= len(value) <= 300:
                return self._question("ask_address_again")
            checkouts.checkout_update(checkout=checkout, shipping_address={"text": value})
        elif awaiting == "confirm" and _is_yes(text):
            return self.pay(saved=self._saved_method() is not None)
        # Anything else at the shipping or confirmation step: the same question again.
        return self._next(checkout)

    def contact(self, event: m.ContactShared | m.LocationShared) -> Reply | None:
        """A shared phone or location while checkout asks for it; None when not asked."""
        checkout = self._checkout()
        awaiting = self.state.get("awaiting")
        if checkout is None or checkout.status != CheckoutStatus.OPEN:
            return None
        if isinstance(event, m.ContactShared) and awaiting == "phone" and event.phone:
            checkouts.checkout_update(checkout=checkout, contact_phone=event.phone[:32])
            return self._next(checkout)
        if isinstance(event, m.LocationShared) and awaiting == "address":
            address = {"latitude": event.latitude, "longitude": event.longitude}
            if event.address:
                address["text"] = event.address[:300]
            checkouts.checkout_update(checkout=checkout, shipping_address=address)
            return self._next(checkout)
        return None

    def choose_rate(self, rate_id: int) -> Reply:
        checkout = self._checkout()
        if checkout is None or checkout.status != CheckoutStatus.OPEN:
            return self._expired()
        rate = shipping_rates(shop=self.shop).filter(pk=rate_id).first()
        if rate is None:
            return self._next(checkout)
        checkouts.checkout_update(checkout=checkout, shipping_rate=rate)
        return self._next(checkout)

    def change_address(self) -> Reply:
        checkout = self._checkout()
        if checkout is None or checkout.status != CheckoutStatus.OPEN:
            return self._expired()
        checkouts.checkout_update(checkout=checkout, shipping_address={})
        return self._next(checkout)

    # --- the questions ---------------------------------------------------------------------

    def _question(self, key: str, options: tuple[m.Button, ...] = ()) -> Reply:
        cancel = m.Button(self._say("cancel"), encode("cancel"))
        self.state["options"] = [o.payload for o in (*options, cancel) if o.payload]
        return Reply([m.QuickReplies(self._say(key), (*options, cancel))])

    def _next(self, checkout: Checkout) -> Reply:
        checkout.refresh_from_db()
        rates = list(shipping_rates(shop=self.shop))
        if len(rates) == 1 and checkout.shipping_rate_id is None:
            checkouts.checkout_update(checkout=checkout, shipping_rate=rates[0])
        missing = checkouts.missing_details(checkout, rates_exist=bool(rates))
        if "contact_name" in missing:
            reply = self._question("ask_name")
            self.state["awaiting"] = "name"
        elif "contact_phone" in missing:
            reply = self._question("ask_phone")
            self.state["awaiting"] = "phone"
        elif "shipping_rate" in missing:
            reply = self._ask_rate(checkout, rates)
            self.state["awaiting"] = "shipping"
        elif "shipping_address" in missing:
            reply = self._question("ask_address")
            self.state["awaiting"] = "address"
        else:
            reply = self._summary(checkout)
            self.state["awaiting"] = "confirm"
        return reply

    def _rate_label(self, rate: ShippingRate, subtotal: int) -> str:
        cost = rate.cost_for(subtotal)
        price = self._money(cost) if cost else self._say("free")
        return f"{rate.name} · {price}"

    def _ask_rate(self, checkout: Checkout, rates: list[ShippingRate]) -> Reply:
        subtotal = checkouts.checkout_totals(checkout, checkouts.held_reservations(checkout))
        options = tuple(
            m.Button(self._rate_label(rate, subtotal.subtotal)[:60], encode("ship", rate.pk))
            for rate in rates[:9]
        )
        return self._question("ask_shipping", options)

    def _summary(self, checkout: Checkout) -> Reply:
        reservations = checkouts.held_reservations(checkout)
        totals = checkouts.checkout_totals(checkout, reservations)
        rows = [
            f"{r.quantity} x {self.bot._item_name(r.variant)}: "
            + self._money(r.unit_price * r.quantity)
            for r in reservations
        ]
        if checkout.shipping_rate:
            rows.append(self._rate_label(checkout.shipping_rate, totals.subtotal))
        rows.append(self._say("total_line", total=self._money(totals.total)))
        rows.append(self._say("deliver_to", who=_who(checkout), where=address_text(checkout)))
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
        if checkout.shipping_address:
            options.append(m.Button(self._say("change_address"), encode("chaddr")))
        options.append(m.Button(self._say("cancel"), encode("cancel")))
        self.state["options"] = [o.payload for o in options]
        return Reply([m.QuickReplies("\n".join(rows), tuple(options))])

    def _expired(self) -> Reply:
        self.state.pop("checkout", None)
        self.state.pop("awaiting", None)
        return self.bot._menu(self._say("checkout_expired"))

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
        self.state["order"] = order.pk
        self.state.pop("options", None)
        self.state.pop("awaiting", None)
        return order

    def pay(self, *, saved: bool) -> Reply:
        """Confirm: the order is placed, then paid with the saved card or through a link."""
        placed = self._place()
        if not isinstance(placed, Order):
            return placed
        order = placed
        if order.payment_status not in (PaymentStatus.AWAITING, PaymentStatus.FAILED):
            return self.bot._menu(self._say("order_already", number=order.number))
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
        for key in ("checkout", "order", "awaiting", "reorder"):
            self.state.pop(key, None)
        return self.bot._menu(self._say("checkout_cancelled"))

    def _send_invoice(self, checkout: Checkout) -> Reply:
        """Telegram with a payment provider: the invoice asks name, phone and address itself
        and offers the shipping options (is_flexible)."""
        try:
            order = checkouts.checkout_complete(checkout=checkout, require_details=False)
        except checkouts.CheckoutError:
            return self._expired()
        self.state["order"] = order.pk
        self.state.pop("awaiting", None)
        payment = payments.payment_invoice_start(order=order)
        lines = list(order.lines.all())
        description = ", ".join(f"{line.quantity} x {line.product_title}" for line in lines)
        rates = list(shipping_rates(shop=self.shop))
        needs_address = any(rate.needs_address for rate in rates) or not rates
        invoice = m.Invoice(
            title=self._say("invoice_title", number=order.number, shop=self.shop.name),
            description=description,
            payload=f"souk:{payment.pk}",
            currency=order.currency,
            prices=tuple(
                (f"{line.quantity} x {line.product_title}", line.line_total) for line in lines
            ),
            need_name=True,
            need_phone_number=True,
            need_shipping_address=needs_address,
            is_flexible=bool(rates),
        )
        return Reply([invoice])

    # --- "OK" to buy the last order again ------------------------------------------------------

    def reorder_offer(self) -> m.OutboundMessage | None:
        """One message showing what "OK" will charge, or None when there is nothing to
        repeat or no saved card to repeat it with."""
        method = self._saved_method()
        if method is None:
            return None
        quote = reorder_quote(shop=self.shop, customer=self.customer)
        if quote is None or not quote.available:
            return None
        self.state["reorder"] = {"order": quote.order.pk, "total": quote.total, "method": method.pk}
        self.state["awaiting"] = "reorder"
        items = ", ".join(f"{q} x {title}" for title, q in quote.items)
        text = self._say(
            "reorder_offer", total=self._money(quote.total), card=method.label, items=items
        )
        options = (
            m.Button(
                self._say("reorder_button", total=self._money(quote.total))[:20], encode("reorder")
            ),
            *self.bot._menu_options(),
        )
        self.state["options"] = [o.payload for o in options if o.payload]
        return m.QuickReplies(text, options)

    def reorder(self) -> Reply:
        """OK / oui / the Reorder button: the same items, address and card, charged now —
        if nothing changed since the offer. Otherwise say what changed and offer the rest."""
        shown = self.state.get("reorder")
        method = self._saved_method()
        quote = reorder_quote(shop=self.shop, customer=self.customer)
        if not shown or quote is None or method is None:
            offer = self.reorder_offer()
            return Reply([offer]) if offer else self.bot._menu(self._say("nothing_to_reorder"))
        self.state.pop("reorder", None)
        self.state.pop("awaiting", None)
        if not quote.available or quote.total != shown.get("total"):
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
            order = checkouts.checkout_complete(checkout=checkout)
        except (stock.NotEnoughStock, checkouts.CheckoutError):
            return self._reorder_changed(reorder_quote(shop=self.shop, customer=self.customer))
        self.state["checkout"], self.state["order"] = checkout.pk, order.pk
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
        reply = self.bot._cart()
        reply.messages.insert(0, m.Text("\n".join([self._say("reorder_changed"), *notes])))
        return reply


def _is_yes(text: str) -> bool:
    return text.strip().casefold().rstrip("!. ") in YES_WORDS


def _who(checkout: Checkout) -> str:
    return ", ".join(v for v in (checkout.contact_name, checkout.contact_phone) if v)


def address_text(holder) -> str:
    """A checkout's or order's shipping address as one line."""
    address = holder.shipping_address or {}
    if address.get("text"):
        return address["text"]
    if "latitude" in address:
        return f"📍 {address['latitude']:.5f}, {address['longitude']:.5f}"
    rate = holder.shipping_rate
    return rate.name if rate else "-"  # pickup: where to collect it
