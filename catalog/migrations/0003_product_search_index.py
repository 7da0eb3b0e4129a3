"""GIN index for catalog search on PostgreSQL. The expression must stay identical to
catalog.search.SimpleDocumentVector for the planner to use it. SQLite has no tsvector and
searches by scanning search_document, so nothing is created there."""

from django.db import migrations

INDEX = "catalog_product_search_gin"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON catalog_product "
            "USING GIN (to_tsvector('simple'::regconfig, search_document))"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]
