"""Catalog search by language: GIN indexes on the weighted vector for the french and english
configurations (the expression of catalog.search.WeightedDocumentVector, which must stay
identical), and a pg_trgm GIN index for typo tolerance, replacing 0003's 'simple' index.

Every search_document is rebuilt, because its first line is now the title alone. No unaccent:
documents and queries are folded in Python (catalog.search.fold) before PostgreSQL sees them.
pg_trgm is created only when missing (CREATE EXTENSION needs a superuser, or a trusted
extension on PostgreSQL 13+); SQLite searches in Python and gets no index."""

from django.db import migrations

from catalog.search import CONFIGS, build_search_document, weighted_vector_sql

OLD_INDEX = "catalog_product_search_gin"
TRIGRAM_INDEX = "catalog_product_search_trgm"


def _config_index(config: str) -> str:
    return f"catalog_product_search_{config}_gin"


def rebuild_documents(apps, schema_editor):
    Product = apps.get_model("catalog", "Product")
    products = Product.objects.select_related("category").prefetch_related("variants")
    batch = []
    for product in products.iterator(chunk_size=500):
        product.search_document = build_search_document(
            title=product.title,
            description=product.description,
            tags=product.tags,
            category_name=product.category.name if product.category else "",
            variants=product.variants.all(),
        )
        batch.append(product)
        if len(batch) == 500:
            Product.objects.bulk_update(batch, ["search_document"])
            batch = []
    Product.objects.bulk_update(batch, ["search_document"])


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone() is None:
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(f"DROP INDEX IF EXISTS {OLD_INDEX}")
    for config in CONFIGS.values():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {_config_index(config)} ON catalog_product "
            f"USING GIN ({weighted_vector_sql(config)})"
        )
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} ON catalog_product "
        "USING GIN (search_document gin_trgm_ops)"
    )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")
    for config in CONFIGS.values():
        schema_editor.execute(f"DROP INDEX IF EXISTS {_config_index(config)}")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {OLD_INDEX} ON catalog_product "
        "USING GIN (to_tsvector('simple'::regconfig, search_document))"
    )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0005_catalog_import")]

    operations = [
        migrations.RunPython(rebuild_documents, migrations.RunPython.noop),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
