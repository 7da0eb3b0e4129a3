"""The fast enqueue (channels_adapters/taskqueue.py) pushes the same message Celery would:
same headers, properties and body, only the ids differ. (A real worker runs these messages in
tests/test_end_to_end.py and tests/test_services_integration.py.)"""

import base64
import json

import pytest

from channels_adapters import taskqueue
from channels_adapters.tasks import inbound_event_process

pytestmark = pytest.mark.services


@pytest.fixture
def broker(require_redis):
    import redis

    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    client = redis.Redis.from_url(app.conf.broker_url)
    client.delete("intake")
    taskqueue._publishers.clear()
    yield client
    client.delete("intake")
    app.conf.task_always_eager = previous
    taskqueue._publishers.clear()


def popped(client) -> dict:
    message = json.loads(client.rpop("intake"))
    message["body"] = json.loads(base64.b64decode(message["body"]))
    return message


def test_the_fast_message_is_the_one_celery_sends(broker):
    inbound_event_process.apply_async(args=(41,))
    celerys = popped(broker)
    publisher = taskqueue._publisher_for(inbound_event_process)
    assert publisher is not None  # a plain Redis broker: the fast path is taken
    publisher.publish(inbound_event_process, [(41,)])
    ours = popped(broker)

    assert ours["body"] == celerys["body"] == [[41], {}, ours["body"][2]]
    for key in ("content-type", "content-encoding"):
        assert ours[key] == celerys[key]
    varying = {"id", "root_id", "origin", "argsrepr"}
    assert set(ours["headers"]) == set(celerys["headers"])
    for key in set(ours["headers"]) - varying:
        assert ours["headers"][key] == celerys["headers"][key], key
    assert ours["headers"]["argsrepr"] == celerys["headers"]["argsrepr"] == "(41,)"
    assert set(ours["properties"]) == set(celerys["properties"])
    for key in ("delivery_info", "body_encoding", "priority", "delivery_mode"):
        assert ours["properties"][key] == celerys["properties"][key], key


def test_transport_options_that_leave_the_message_alone_keep_the_fast_path():
    from config.celery import app

    saved = (app.conf.broker_url, app.conf.broker_transport_options)
    try:
        app.conf.broker_url = "redis://127.0.0.1:1/0"
        app.conf.broker_transport_options = {
            "visibility_timeout": 300,
            "unacked_restore_interval": 5,
            "socket_timeout": 2.0,
        }
        assert taskqueue._RedisPublisher.for_task(inbound_event_process) is not None

        # A key prefix changes the queue's key: Celery's own path knows it, ours does not.
        app.conf.broker_transport_options = {"visibility_timeout": 300, "global_keyprefix": "x"}
        assert taskqueue._RedisPublisher.for_task(inbound_event_process) is None
    finally:
        app.conf.broker_url, app.conf.broker_transport_options = saved


def test_the_visibility_timeout_outlasts_the_longest_task_and_countdown():
    from django.conf import settings

    from config.celery import app

    options = app.conf.broker_transport_options
    longest = settings.CELERY_TASK_TIME_LIMIT + settings.SOUK_TASK_MAX_COUNTDOWN
    assert options["visibility_timeout"] > longest
    # Each worker looks for expired unacked tasks every few seconds, not kombu's 100.
    assert options["unacked_restore_interval"] * options["unacked_restore_throttle"] <= 10
    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
