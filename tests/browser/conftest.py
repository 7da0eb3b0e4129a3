"""Real-browser tests: Playwright driving Debian's Chromium against pytest-django's live_server.

Playwright's sync API marks an asyncio loop as running in the test thread for as long as
Playwright runs. Two consequences, both kept inside this package:
- Django refuses ORM calls from a thread with a running loop ("async context") although nothing
  here is async: DJANGO_ALLOW_ASYNC_UNSAFE says so, set only while Playwright runs (a leaked
  variable would also reach subprocesses such as `manage.py check --deploy`, which rejects it).
- `asyncio.run` fails while the loop is marked (python-telegram-bot uses it in later tests), so
  Playwright lives for this package only, not for the whole session as pytest-playwright's own
  `playwright`, `browser` and `browser_context_args` fixtures would.
"""

import os

import pytest
from django.core.servers.basehttp import WSGIServer
from django.db import connection
from django.test.testcases import LiveServerThread
from playwright.sync_api import sync_playwright

from tests.conftest import needs_service

CHROMIUM = "/usr/bin/chromium"
# No sandbox: CI runs as root in a container. No GPU, no background traffic to Google.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Checked here because every browser launch goes through this fixture: in CI
    # (REQUIRE_SERVICES=1) a missing Chromium fails the tests instead of skipping them.
    needs_service(f"Chromium ({CHROMIUM}: apt-get install chromium)", os.access(CHROMIUM, os.X_OK))
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


class _OneRequestAtATimeServer(WSGIServer):
    """The live server without its threads: each request is served by the live server thread,
    on the connection LiveServerThread.run() gave it (`connections_override`)."""

    def __init__(self, *args, connections_override=None, **kwargs):
        super().__init__(*args, **kwargs)


@pytest.fixture(scope="session", autouse=True)
def _one_request_at_a_time_on_sqlite():
    """pytest-django's live server shares one in-memory SQLite connection between its request
    threads; two pages polling at once (the web chat and live.js) can then hang on it. On
    SQLite the server serves one request at a time (PostgreSQL, as in CI, keeps the threaded
    server)."""
    if connection.vendor != "sqlite":
        yield
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(LiveServerThread, "server_class", _OneRequestAtATimeServer)
        yield


@pytest.fixture(scope="package")
def playwright():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as running:
            yield running


@pytest.fixture(scope="package")
def browser(playwright, browser_type_launch_args):
    browser = playwright.chromium.launch(**browser_type_launch_args)
    yield browser
    browser.close()


@pytest.fixture(scope="package")
def browser_context_args():
    # Replaces the plugin's session-scoped one, which needs its session-long `playwright`;
    # tests add a device or a viewport.
    return {}


@pytest.fixture
def console_errors():
    """Console errors of the pages a test watched (tests.browser.dashboard.watch_console):
    there must be none when the test ends."""
    errors: list[str] = []
    yield errors
    assert errors == []


# pytest-playwright 0.10 declares its `base_url` fixture as a method, which pytest 9 warns is
# deprecated; nothing here relies on it.
_PLUGIN_DEPRECATION = pytest.mark.filterwarnings(
    "ignore:Session-scoped fixtures defined as instance methods:pytest.PytestRemovedIn10Warning"
)


def pytest_collection_modifyitems(items):
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.path).startswith(here + os.sep):
            item.add_marker(_PLUGIN_DEPRECATION)
