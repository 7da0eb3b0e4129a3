"""Instagram Direct (Messenger API for Instagram). Not yet in the registry. Wiring it: its line
in `registry.CHANNELS`; the `instagram` webhook object (signature checked on the raw body with
`signatures.meta_signature_valid`) through `instagram_split`, whose events carry the Instagram
account id as `account_id`; connecting with `instagram_check` (before storing: ValidationError
for what the brand gave, SendError for Graph's refusal, to report as the platform's reason) and
`instagram_set_ice_breakers` (after storing), or `instagram_connect` for both."""

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
