from dataclasses import dataclass

from rest_framework import authentication, exceptions

from shops.models import ApiKey, Shop
from shops.selectors import api_key_authenticate


@dataclass(frozen=True)
class ApiKeyPrincipal:
    """`request.user` for a request made with an API key: the shop acting through that key."""

    api_key: ApiKey

    is_authenticated = True
    is_anonymous = False

    @property
    def shop(self) -> Shop:
        return self.api_key.shop

    def __str__(self) -> str:
        return f"api key {self.api_key.prefix}… of shop {self.api_key.shop_id}"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <api key>`. A missing header is anonymous; a bad key is a 401."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() != self.keyword.lower():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Malformed Authorization header: expected 'Bearer <api key>'."
            )
        api_key = api_key_authenticate(raw_key=header[1])
        if api_key is None:
            raise exceptions.AuthenticationFailed("Unknown or revoked API key.")
        return ApiKeyPrincipal(api_key), api_key

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="souk"'
