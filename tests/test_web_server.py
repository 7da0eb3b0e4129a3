"""The web server's launcher (config/web.py): what the environment sets, what it refuses, and
the application each worker gets. (The production stack it starts serves real requests in the
drills: tests/drills/.)"""

import gc
import io

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from config import web
from config.cpus import available_cpus


def test_the_environment_sets_port_workers_and_threads(monkeypatch):
    monkeypatch.setenv("PORT", "9100")
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("WEB_THREADS", "5")
    monkeypatch.setenv("WEB_ACCESS_LOG", "0")
    args = web.parse_args([])
    assert (args.app, args.host, args.port) == ("config.wsgi:application", "0.0.0.0", 9100)  # noqa: S104
    assert (args.workers, args.threads, args.access_log) == (3, 5, False)
    # Flags win over the environment.
    args = web.parse_args(["bench.wsgi_bench:application", "--threads", "2", "--access-log"])
    assert (args.app, args.threads, args.access_log) == ("bench.wsgi_bench:application", 2, True)


def test_unset_or_empty_variables_take_the_defaults(monkeypatch):
    for name in ("PORT", "WEB_CONCURRENCY", "WEB_THREADS", "WEB_ACCESS_LOG"):
        monkeypatch.setenv(name, "")
    args = web.parse_args([])
    assert (args.port, args.workers, args.threads) == (8000, available_cpus(), 8)
    assert args.access_log is True


def test_a_variable_that_is_not_a_number_is_refused_by_its_flag(monkeypatch, capsys):
    monkeypatch.setenv("WEB_THREADS", "eight")
    with pytest.raises(SystemExit):
        web.parse_args([])
    assert "--threads: invalid int value: 'eight'" in capsys.readouterr().err


@pytest.mark.parametrize("flag", ["--workers", "--threads"])
def test_fewer_than_one_worker_or_thread_is_refused_by_name(flag, capsys):
    with pytest.raises(SystemExit):
        web.parse_args([flag, "0"])
    assert f"{flag} must be at least 1 (got 0)" in capsys.readouterr().err


@pytest.mark.django_db
def test_each_worker_gets_the_named_application_with_its_start_up_heap_frozen(monkeypatch):
    monkeypatch.setenv(web.APP_ENV, "config.wsgi:application")
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    frozen = []
    application = web.application()
    # As Django's test client does: the test's transaction must outlive the request, whose
    # signals would otherwise close the connection holding it.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        status, body = get(application, "/healthz")
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    assert frozen == [True]
    assert (status, body) == ("200 OK", b'{"database": "ok", "cache": "ok"}')


def get(application, path: str) -> tuple[str, bytes]:
    statuses = []
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": io.StringIO(),
    }
    body = b"".join(application(environ, lambda status, headers, exc=None: statuses.append(status)))
    return statuses[0], body
