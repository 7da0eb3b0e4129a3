"""The REST foundation every app's `api.py` builds on: API-key authentication, tenant-scoped
viewsets, strict serializers, cursor pagination and one JSON error format."""
