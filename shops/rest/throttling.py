from rest_framework.throttling import SimpleRateThrottle

from shops.rest.authentication import ApiKeyPrincipal


class ApiKeyRateThrottle(SimpleRateThrottle):
    """Requests per key (API_THROTTLE_RATE), counted in the shared cache (Redis in production),
    so every web process enforces the same budget."""

    scope = "api_key"

    def get_cache_key(self, request, view) -> str | None:
        if isinstance(request.user, ApiKeyPrincipal):
            return self.cache_format % {"scope": self.scope, "ident": request.user.api_key.pk}
        return self.cache_format % {"scope": "anon", "ident": self.get_ident(request)}
