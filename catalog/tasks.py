from celery import shared_task

from catalog import services


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def image_render_thumbnails(image_id: int) -> None:
    services.image_render_thumbnails_for(image_id=image_id)
