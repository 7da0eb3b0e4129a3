from celery import shared_task

from orders import events, reservations


@shared_task(ignore_result=True)
def order_event_notify(event_type: str, order_id: int, details: dict) -> None:
    events.order_event_deliver(event_type, order_id, details)


@shared_task(ignore_result=True)
def reservations_expire() -> int:
    """Periodic (beat): gives back the stock of checkouts and unpaid orders past their time."""
    return reservations.reservations_expire()
