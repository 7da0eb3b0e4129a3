"""Instagram Direct (Messenger API for Instagram). Not yet in the registry: wiring it is adding
its line to `registry.CHANNELS`, routing the `instagram` webhook object through
`instagram_split` (entries keyed by the Instagram account id) and calling `connect`."""

from channels_adapters.instagram.adapter import InstagramAdapter
from channels_adapters.instagram.connect import Connected, instagram_connect
from channels_adapters.instagram.webhook import instagram_parse, instagram_split

__all__ = [
    "Connected",
    "InstagramAdapter",
    "instagram_connect",
    "instagram_parse",
    "instagram_split",
]
