"""Telegram's webhook authenticity: Telegram echoes the `secret_token` given to setWebhook
(telegram/connect.py) in a header of every Update; Souk keeps only its digest."""

from collections.abc import Mapping

from channels_adapters.base import header
from channels_adapters.signatures import secret_matches_digest

SECRET_TOKEN_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)


def secret_token_valid(headers: Mapping[str, str], *, expected_digest: str) -> bool:
    return secret_matches_digest(
        header_value=header(headers, SECRET_TOKEN_HEADER), expected_digest=expected_digest
    )
