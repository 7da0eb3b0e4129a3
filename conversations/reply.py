from dataclasses import dataclass, field

from channels_adapters import messages as m


@dataclass
class Reply:
    """What the bot answers to one event: messages to send, and whether a person takes over."""

    messages: list[m.OutboundMessage] = field(default_factory=list)
    hand_off: bool = False
