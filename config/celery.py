"""The Celery application. Without REDIS_URL tasks run in process (see settings)."""

import functools
import logging
import os

from celery import Celery
from celery.contrib.django.task import DjangoTask
from celery.worker.consumer import Consumer
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

logger = logging.getLogger(__name__)


class ConnectionTask(DjangoTask):
    """Every task's base. The database connection outlives the task (CELERY_DB_REUSE_MAX), so
    each task starts and ends as a Django request does: a connection past CONN_MAX_AGE or
    broken by an error is closed, and the next query checks the connection first
    (CONN_HEALTH_CHECKS). Without it a PostgreSQL restart would fail tasks (the sweepers
    among them) until Celery's fixup recycles the connection. (DjangoTask, the default base
    under Django, is what provides delay_on_commit.)"""

    abstract = True

    def __call__(self, *args, **kwargs):
        if self.request.called_directly or self.request.is_eager:
            # In the caller's process, maybe inside its transaction: its connection is not ours.
            return super().__call__(*args, **kwargs)
        close_old_connections()
        try:
            return super().__call__(*args, **kwargs)
        finally:
            close_old_connections()


class QuickReconnectConsumer(Consumer):
    """The worker's consumer, surviving a lost broker and retrying it every RECONNECT_SECONDS.
    Celery's default backs off to one try every 30 s, so after a long broker outage the
    workers could come back up to 30 s late, and with them everything the outage held up
    (docs/deploy.md promises 30 s). A connection attempt to a down Redis costs one refused
    TCP connect."""

    RECONNECT_SECONDS = 2

    def ensure_connected(self, conn):
        conn.ensure_connection = functools.partial(
            conn.ensure_connection,
            interval_start=0,
            interval_step=self.RECONNECT_SECONDS,
            interval_max=self.RECONNECT_SECONDS,
        )
        return super().ensure_connected(conn)

    def on_connection_error_after_connected(self, exc):
        # Celery collects the lost connection (kombu drops the transport's client), then closes
        # it, and closing the channel restores its unacked messages through that client: an
        # AttributeError Celery does not expect, and the worker stopped ("Unrecoverable
        # error") when Redis went away with tasks in flight. Those messages are still in
        # Redis's unacked set (the visibility timeout and the sweepers bring them back).
        connection = self.connection
        if connection is not None:
            close = connection.close

            def close_lost_connection():
                try:
                    close()
                except AttributeError:
                    logger.warning("broker connection lost; its unacked tasks left to Redis")

            connection.close = close_lost_connection
        super().on_connection_error_after_connected(exc)


app = Celery("souk", task_cls=ConnectionTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
