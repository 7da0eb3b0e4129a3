import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "SECRET_KEY": "p" * 20 + "r0duct10n-secret-key-with-enough-entropy-%$#@!",
    "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    "ALLOWED_HOSTS": "shop.example.com",
    "SECURE_SSL_REDIRECT": "1",
    "TRUST_X_FORWARDED_PROTO": "1",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    own = ("DEBUG", "SECRET_KEY", "FIELD_ENCRYPTION_KEY")
    base = {k: v for k, v in os.environ.items() if k not in own}
    base["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=base | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "FIELD_ENCRYPTION_KEY"])
def test_production_refuses_to_start_without_its_secrets(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert f"{missing} must be set" in result.stderr


def test_development_mode_runs_with_no_environment_at_all():
    result = manage("check", env={"DEBUG": "1"})
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_the_readme_lists_every_variable_the_settings_read():
    # config/settings.py promises it: a setting nobody can find is a setting nobody tunes.
    settings_source = (ROOT / "config" / "settings.py").read_text()
    read = set(re.findall(r'env(?:\.[a-z_]+)?\(\s*"([A-Z][A-Z0-9_]+)"', settings_source))
    assert {"DATABASE_URL", "CELERY_WORKER_CONCURRENCY", "DB_PREPARE_THRESHOLD"} <= read
    readme = (ROOT / "README.md").read_text()
    assert sorted(name for name in read if f"`{name}`" not in readme) == []


def test_openapi_schema_describes_the_api(client):
    response = client.get("/api/schema/?format=json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    for path in (
        "/api/v1/products/",
        "/api/v1/products/{id}/",
        "/api/v1/variants/{id}/stock/",
        "/api/v1/categories/",
        "/api/v1/images/",
        "/api/v1/shop/",
        "/api/v1/api-keys/",
    ):
        assert path in schema["paths"], path
    assert schema["components"]["securitySchemes"]["ApiKey"]["scheme"] == "bearer"


@pytest.mark.django_db
def test_interactive_docs_load_their_assets_locally(client):
    html = client.get("/api/docs/").content.decode()

    assert "swagger-ui" in html
    assert "/static/drf_spectacular_sidecar/" in html
    for cdn in ("cdn.jsdelivr", "unpkg.com", "cdnjs", "googleapis"):
        assert cdn not in html


@pytest.mark.django_db
def test_health_check_reports_database_and_cache(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "ok"}


@pytest.mark.django_db
def test_home_page_lists_shops_and_links_to_docs(client, shop):
    html = client.get("/").content.decode()
    assert "Maison Rouge" in html
    assert "/api/docs/" in html


def test_malformed_encryption_key_is_refused():
    result = manage("check", env=PRODUCTION_ENV | {"FIELD_ENCRYPTION_KEY": "not-a-fernet-key"})
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEY must be Fernet keys" in result.stderr


@pytest.mark.django_db
def test_uploaded_images_are_served_for_chat_platforms(api, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.conftest import PRODUCT_BODY, image_bytes

    product_id = api.post("/api/v1/products/", PRODUCT_BODY, format="json").json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        image_id = api.post(
            "/api/v1/images/",
            {"product": product_id, "image": SimpleUploadedFile("p.jpg", image_bytes())},
            format="multipart",
        ).json()["id"]
    url = api.get(f"/api/v1/images/{image_id}/").json()["thumbnails"]["square"]

    response = api.get(url.removeprefix("http://127.0.0.1:8000"))

    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"  # a JPEG


def test_http_client_logs_cannot_leak_bot_tokens():
    import logging

    assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)


PREPARED_PROBE = """
from django.db import connection
with connection.cursor() as cursor:
    for n in range(6):
        cursor.execute("SELECT %s::int + 41", [n])
    cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%%+ 41%%'")
    print("prepared:", cursor.fetchone()[0])
"""


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("threshold", "prepared"), [(None, "prepared: 1"), ("0", "prepared: 0")], ids=["default", "0"]
)
def test_hot_statements_are_prepared_on_postgresql_unless_turned_off(
    require_postgres, threshold, prepared
):
    from django.db import connection

    db = connection.settings_dict  # the test database: it exists whatever DATABASE_URL names
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {"DEBUG": "1", "DATABASE_URL": url}
    if threshold:
        env["DB_PREPARE_THRESHOLD"] = threshold
    result = manage("shell", "-c", PREPARED_PROBE, env=env)
    assert result.returncode == 0, result.stderr
    assert prepared in result.stdout
