"""Instagram Direct (Messenger API for Instagram), registered as `instagram`: views.py serves
the `instagram` webhook object (signature checked on the raw body by the shared Meta webhook,
events routed by the Instagram account id that `instagram_split` puts in `account_id`); the
adapter connects with `instagram_check` before storing and `instagram_set_ice_breakers` after
(connect.py; `instagram_connect` does both)."""

from channels_adapters.instagram.adapter import InstagramAdapter
from channels_adapters.instagram.connect import (
    Connected,
    instagram_check,
    instagram_connect,
    instagram_set_ice_breakers,
)
from channels_adapters.instagram.webhook import instagram_parse, instagram_split

__all__ = [
    "Connected",
    "InstagramAdapter",
    "instagram_check",
    "instagram_connect",
    "instagram_parse",
    "instagram_set_ice_breakers",
    "instagram_split",
]
