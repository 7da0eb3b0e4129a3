"""Where a conversation stands: a step plus its data, stored as JSON in
`Conversation.bot_state`.

The step says which question the bot last asked, so the engine's table knows what a typed
answer means (engine/table.py). The data are what later taps and answers need: the payloads a
typed number picks, the search being paged, the variant last chosen, the checkout and
order under way, the reorder offer shown. `state_load` never raises: a state written by an
older version is migrated, one it cannot read starts again at the menu.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from enum import StrEnum

from channels_adapters.messages import as_dict

logger = logging.getLogger(__name__)

VERSION = 2


class Step(StrEnum):
    MENU = "menu"  # no question pending: text is searched, numbers pick from `options`
    SEARCH = "search"  # asked what the shopper looks for
    NAME = "name"  # checkout: the name for the delivery
    PHONE = "phone"
    SHIPPING = "shipping"
    ADDRESS = "address"
    ADDRESS_DETAILS = "address_details"  # after a shared location: floor, flat, door code?
    CONFIRM = "confirm"  # checkout summary shown, waiting for OK / pay
    REORDER = "reorder"  # "OK" buys `reorder` again


@dataclass
class ReorderOffer:
    """The reorder last shown: the order repeated and the total the shopper agreed to.
    `method`: the saved card it is charged to; None when the platform takes the payment
    (a Telegram invoice)."""

    order: int
    total: int
    method: int | None = None


@dataclass
class State:
    step: Step = Step.MENU
    options: list[str] = field(default_factory=list)
    query: str = ""
    variant: int | None = None
    checkout: int | None = None
    order: int | None = None
    reorder: ReorderOffer | None = None
    greeted: bool = False

    def ask(self, step: Step, options: list[str] | None = None) -> None:
        self.step = step
        if options is not None:
            self.options = options


def state_dump(state: State) -> dict:
    data = as_dict(state)
    data["step"] = str(state.step)
    return {"version": VERSION, **data}


def state_load(data) -> State:
    """The state stored in `data`; the menu for nothing, an unknown version or a broken one."""
    if not isinstance(data, dict) or not data:
        return State()
    version = data.get("version", 1)
    if version == 1:
        data = _from_version_1(data)
    elif version != VERSION:
        logger.warning("bot state version %r unknown: back to the menu", version)
        return State()
    try:
        return _build(data)
    except (TypeError, ValueError) as exc:
        logger.warning("bot state unreadable (%s): back to the menu", exc)
        return State()


def _from_version_1(data: dict) -> dict:
    """Version 1 was a free dict: `awaiting` held the step, `reorder` a dict."""
    step = data.get("awaiting")
    if step not in set(Step):
        step = Step.MENU  # "quantity": quantities are changed in the cart now
    return {**{k: v for k, v in data.items() if k != "awaiting"}, "step": step}


def _optional_id(value) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"an id must be an integer, not {value!r}")
    return value


def _required_id(value) -> int:
    if value is None:
        raise TypeError("an id is required")
    return _optional_id(value)


def _build(data: dict) -> State:
    options = data.get("options") or []
    if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
        raise TypeError("options must be a list of payloads")
    reorder = data.get("reorder")
    if reorder is not None:
        if not isinstance(reorder, dict):
            raise TypeError("reorder must be an object")
        reorder = ReorderOffer(
            order=_required_id(reorder.get("order")),
            total=int(reorder.get("total")),
            method=_optional_id(reorder.get("method")),
        )
    query = data.get("query") or ""
    if not isinstance(query, str):
        raise TypeError("query must be text")
    return State(
        step=Step(data.get("step") or Step.MENU),
        options=options,
        query=query[:200],
        variant=_optional_id(data.get("variant")),
        checkout=_optional_id(data.get("checkout")),
        order=_optional_id(data.get("order")),
        reorder=reorder,
        greeted=bool(data.get("greeted", False)),
    )
