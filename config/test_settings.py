"""Settings for the test suite: production settings with test-only secrets, so `pytest` works
without any environment. DATABASE_URL / REDIS_URL still choose PostgreSQL and Redis."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-used-anywhere-else-0123456789")
os.environ.setdefault("FIELD_ENCRYPTION_KEY", "dGVzdC1vbmx5LWZlcm5ldC1rZXktMzItYnl0ZXMtIT0=")

from config.settings import *  # noqa: F403

STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast, tests only
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405  (threads in tests must not keep connections)

# The tests' webhook receivers listen on 127.0.0.1 (tests/fakes/receiver.py).
SOUK_WEBHOOKS_ALLOW_LOCAL = True
