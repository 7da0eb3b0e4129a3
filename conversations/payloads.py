"""Button payloads: short strings (Telegram allows 64 bytes) naming what a tap means: an
action and integer arguments, "p:12", "l:5:2". Which actions exist, with how many arguments,
is the engine's table (conversations/engine/table.py); this module only writes and reads them.
"""

from dataclasses import dataclass

MAX_ARGS = 3
ARG_MAX = 10**12


@dataclass(frozen=True)
class Tap:
    action: str
    args: tuple[int, ...] = ()


def encode(action: str, *args: int) -> str:
    return ":".join([action, *(str(a) for a in args)])


def decode(payload: str) -> Tap | None:
    """The tap a payload spells, or None for anything that is not one of ours in shape (the
    table then refuses actions it does not know or with the wrong number of arguments)."""
    action, *rest = (payload or "").strip().split(":")
    if not action.isalpha() or len(rest) > MAX_ARGS:
        return None
    try:
        args = tuple(int(value) for value in rest)
    except ValueError:
        return None
    if any(a < 0 or a > ARG_MAX for a in args):
        return None
    return Tap(action, args)
