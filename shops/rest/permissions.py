from rest_framework import exceptions, permissions

from shops.rest.authentication import ApiKeyPrincipal


class HasShopApiKey(permissions.BasePermission):
    """Authenticated with an active key; a read-only key may only read."""

    def has_permission(self, request, view) -> bool:
        principal = request.user
        if not isinstance(principal, ApiKeyPrincipal):
            raise exceptions.NotAuthenticated("Send your API key as 'Authorization: Bearer <key>'.")
        if principal.api_key.read_only and request.method not in permissions.SAFE_METHODS:
            raise exceptions.PermissionDenied("This API key is read-only.")
        return True
