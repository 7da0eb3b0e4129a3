from celery import shared_task

from catalog import imports, services


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def image_render_thumbnails(image_id: int) -> None:
    services.image_render_thumbnails_for(image_id=image_id)


# An import of 10,000 rows outlasts the default time limit; it writes as it goes and is safe to
# run again, so a worker lost mid-way hands it to another (acks_late) to finish.
@shared_task(acks_late=True, soft_time_limit=30 * 60, time_limit=31 * 60)
def catalog_import_run(import_id: int) -> None:
    imports.catalog_import_apply(import_id=import_id)
