"""What Graph's error codes mean on Instagram (channels_adapters.meta reads them with these).

Codes from Meta's Messenger Platform error codes, which cover the Messenger API for Instagram;
the subcodes 2534xxx are Instagram's own (docs/channel-limits.md, Instagram)."""

from channels_adapters import meta
from channels_adapters.base import (
    PERMANENT_BAD_CREDENTIALS,
    PERMANENT_BLOCKED,
    PERMANENT_INVALID_RECIPIENT,
    PERMANENT_WINDOW_CLOSED,
)

ERROR_RULES = meta.ErrorRules(
    # 4 app, 17 user, 32 page, 613 API-call rate limits; 80002 Instagram business use case.
    rate_limit_codes=frozenset({4, 17, 32, 613, 80002}),
    permanent={
        (551, meta.ANY): PERMANENT_BLOCKED,  # This person isn't available right now
        (meta.ANY, 1545041): PERMANENT_BLOCKED,  # the same, also reported under code 200
        (10, 2534022): PERMANENT_WINDOW_CLOSED,  # sent outside of allowed window
        (10, 2018278): PERMANENT_WINDOW_CLOSED,  # the same, Messenger's subcode
        (100, 2534014): PERMANENT_INVALID_RECIPIENT,  # No matching Instagram user
        (100, 2018001): PERMANENT_INVALID_RECIPIENT,  # No matching user found
        (190, meta.ANY): PERMANENT_BAD_CREDENTIALS,  # invalid or expired Page token
        (104, meta.ANY): PERMANENT_BAD_CREDENTIALS,  # no access token at all
    },
    # 2 "unexpected error, retry later", 1200 "temporary send message failure".
    transient_codes=frozenset({2, 1200}),
)
