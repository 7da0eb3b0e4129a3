"""Button payloads: short strings (Telegram allows 64 bytes) naming what a tap means.

menu | browse | search | cart | human | checkout
cat:<category id or 0 for all>:<page>   p:<product id>   v:<variant id>
q:<variant id>:<quantity>   l:<cart line id>:<new quantity>   sr:<page>
checkout and payment: ship:<shipping rate id> | pay (by link) | okpay (saved card) | chaddr
(change address) | cancel | reorder
"""

from dataclasses import dataclass

SIMPLE = {
    "menu",
    "browse",
    "search",
    "cart",
    "human",
    "checkout",
    "start",
    "pay",
    "okpay",
    "chaddr",
    "cancel",
    "reorder",
}


@dataclass(frozen=True)
class Tap:
    action: str
    args: tuple[int, ...] = ()


def encode(action: str, *args: int) -> str:
    return ":".join([action, *(str(a) for a in args)])


def decode(payload: str) -> Tap | None:
    """The tap a payload means, or None for anything we did not make (stale or forged)."""
    action, *rest = (payload or "").strip().split(":")
    if action in SIMPLE and not rest:
        return Tap(action)
    arity = {"cat": 2, "p": 1, "v": 1, "q": 2, "l": 2, "sr": 1, "ship": 1}.get(action)
    if arity is None or len(rest) != arity:
        return None
    try:
        args = tuple(int(value) for value in rest)
    except ValueError:
        return None
    if any(a < 0 for a in args) or any(a > 10**12 for a in args):
        return None
    return Tap(action, args)
