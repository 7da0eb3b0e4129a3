"""What every fuzz example must end with: an answer that is not a server error, and every event
it stored processed by the (in-process) worker, without an exception."""

import os

from hypothesis import HealthCheck, settings

from channels_adapters.models import InboundEvent

# The fakes and channels are set up once per test and shared by its examples; the database is
# cleared by each example itself (`fresh_start`). 100 examples per endpoint keep all of
# tests/fuzz under a minute of CI on PostgreSQL; `FUZZ_EXAMPLES=2000` for a longer hunt by hand.
fuzz_settings = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "100")),
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


def fresh_start() -> None:
    InboundEvent.objects.all().delete()


def assert_answered_without_error(response) -> None:
    assert response.status_code < 500, response.content[:500]


def assert_every_event_processed() -> None:
    """Processed at once (tasks run in process), never failed: an event the adapter could not
    read is processed too, with the reason in `last_error`."""
    for event in InboundEvent.objects.all():
        assert event.attempts == 0 and event.processed_at is not None, (
            f"event {event.event_id!r} failed: {event.last_error}"
        )
        assert event.last_error == "" or event.last_error.startswith("Unreadable: "), (
            event.last_error
        )
