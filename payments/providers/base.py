"""The payment provider contract. Souk never sees a card: providers host the page where the
shopper types it, keep it, and charge it again off session when asked.

Every call that creates something on the provider carries the idempotency key of our own row
(`Payment.idempotency_key`, `Refund.idempotency_key`): a task retried after a crash gets the
first answer back instead of charging twice. No method is ever called inside a transaction
that holds row locks (DESIGN.md).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from payments.models import Payment, PaymentMethod, Refund


@dataclass(frozen=True)
class SavedCard:
    """What the provider tells us of a card the shopper saved."""

    provider_customer_id: str
    provider_method_id: str
    brand: str = ""
    last4: str = ""
    exp_month: int | None = None
    exp_year: int | None = None


SUCCEEDED = "succeeded"
REQUIRES_ACTION = "requires_action"  # the bank wants the shopper to authenticate (3-D Secure)
DECLINED = "declined"
PENDING = "pending"  # not decided yet (the shopper has not paid on the hosted page)
CANCELLED = "cancelled"


@dataclass(frozen=True)
class CollectedDetails:
    """What the provider's own page asked the shopper (Stripe Checkout: name, phone, address,
    delivery option), to be written on the order when the payment succeeds. Blank: not asked
    there (the order had it already)."""

    contact_name: str = ""
    contact_phone: str = ""
    shipping_address: dict = field(default_factory=dict)  # as orders keep it: {"text", ...}
    shipping_rate_id: int | None = None  # the delivery option chosen on the page, ours
    shipping_method: str = ""  # its name as the page showed it
    shipping_amount: int | None = None  # what the page charged for it
    amount_charged: int | None = None  # the whole amount the provider took


@dataclass(frozen=True)
class Outcome:
    """Where a payment stands at the provider."""

    status: str
    provider_ref: str = ""
    charge_ref: str = ""
    action_url: str = ""  # REQUIRES_ACTION: where the shopper authenticates
    decline_code: str = ""
    decline_message: str = ""
    saved_card: SavedCard | None = None
    collected: CollectedDetails | None = None  # SUCCEEDED on a page that asked the details


class ProviderUnavailable(Exception):
    """The provider did not answer (timeout, 5xx, connection): try again later. Nothing is
    known to have happened; the idempotency key makes the retry safe."""


class ProviderRefused(Exception):
    """The provider refused the request itself (bad key, invalid parameters): retrying the same
    request cannot help."""


class PaymentProvider(ABC):
    name: str = ""
    # Whether a card saved with this provider can be charged off session ("reply OK to pay").
    supports_saved_cards: bool = True
    # Whether the page the link opens asks the shopper's name, phone and (when the order needs
    # one) address, writing them on the order before paying: the chat then does not ask them.
    collects_details: bool = False
    # How many delivery options that page can offer (None: all of them); a shop with more has
    # the chat ask the option first.
    delivery_options_max: int | None = None

    @abstractmethod
    def link_create(self, payment: Payment, *, customer_ref: str = "") -> str:
        """Creates the hosted payment page for `payment` (saving the card for next time) and
        returns its URL. `customer_ref`: the provider customer already known for this shopper."""

    @abstractmethod
    def charge_saved(self, payment: Payment, method: PaymentMethod) -> Outcome:
        """Charges a saved card off session. SUCCEEDED, REQUIRES_ACTION (with action_url) or
        DECLINED."""

    @abstractmethod
    def refresh(self, payment: Payment) -> Outcome:
        """Re-reads where the payment stands (webhooks can arrive twice, late or out of order:
        act on the provider's current state, never on the event alone)."""

    @abstractmethod
    def refund(self, payment: Payment, refund: Refund) -> str:
        """Refunds `refund.amount` of a succeeded payment; returns the provider's refund id."""

    def link_expire(self, payment: Payment) -> None:  # noqa: B027 (optional hook)
        """Best effort: stop a hosted page accepting money (the reservation expired)."""
