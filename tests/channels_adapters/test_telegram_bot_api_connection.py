"""telegram/bot_api.py's kept connections: a reply reuses the thread's connection to the Bot
API, a connection the server closed while idle is replaced before anything is written to it,
network failures are python-telegram-bot's exceptions, and a proxy named by the environment
is honoured (through httpx)."""

import socket
import threading

import pytest
from telegram.error import NetworkError, TimedOut

from channels_adapters.telegram import bot_api

ANSWER = b'{"ok":true,"result":{"message_id":42}}'


class RawServer:
    """An HTTP/1.1 server on a socket, to see connections: `close_after_answer` closes each
    connection right after answering, without saying so (as an idle timeout would)."""

    def __init__(self, *, close_after_answer=False, silent=False):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepted = 0
        self.requests: list[bytes] = []
        self.close_after_answer = close_after_answer
        self.silent = silent
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection):
        with connection:
            buffer = b""
            while True:
                while b"\r\n\r\n" not in buffer:
                    chunk = connection.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                while len(buffer) < length:
                    buffer += connection.recv(65536)
                self.requests.append(buffer[:length])
                buffer = buffer[length:]
                if self.silent:
                    threading.Event().wait(5)
                    return
                connection.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    + f"Content-Length: {len(ANSWER)}\r\n\r\n".encode()
                    + ANSWER
                )
                if self.close_after_answer:
                    return

    def close(self):
        self.listener.close()


@pytest.fixture
def server(settings):
    made = []

    def make(**kwargs):
        made.append(RawServer(**kwargs))
        settings.TELEGRAM_API_URL = f"http://127.0.0.1:{made[-1].port}"
        return made[-1]

    yield make
    for raw in made:
        raw.close()
    bot_api._kept.connections.clear()


def _send(text):
    return bot_api.call("1:token", "sendMessage", {"chat_id": 7, "text": text})


def test_replies_reuse_one_connection(server):
    raw = server()
    assert [_send(f"n°{i}")["message_id"] for i in range(3)] == [42, 42, 42]
    assert raw.accepted == 1
    assert raw.requests[1] == b"chat_id=7&text=n%C2%B01"  # form-encoded, as before


def test_a_connection_the_server_closed_while_idle_is_replaced_not_written_to(server):
    raw = server(close_after_answer=True)
    _send("one")
    threading.Event().wait(0.2)  # the server's close reaches us
    assert _send("two")["message_id"] == 42
    assert raw.accepted == 2
    assert raw.requests == [b"chat_id=7&text=one", b"chat_id=7&text=two"]


def test_a_refused_connection_is_a_network_error_and_a_silent_server_a_timeout(server, settings):
    raw = server(silent=True)
    settings.PLATFORM_TIMEOUT_SECONDS = 0.3
    with pytest.raises(TimedOut):
        _send("anyone?")
    raw.close()
    settings.TELEGRAM_API_URL = f"http://127.0.0.1:{raw.port}"
    with pytest.raises(NetworkError):
        _send("still there?")
    assert bot_api._kept.connections == {}  # nothing half-read is kept


def test_a_proxy_named_by_the_environment_is_honoured(server, monkeypatch):
    raw = server()
    through_httpx = []

    def post_httpx(url, form, timeout, tls):
        through_httpx.append((url, form))
        return 200, ANSWER

    monkeypatch.setattr(bot_api, "_post_httpx", post_httpx)
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert _send("via the proxy")["message_id"] == 42
    assert through_httpx == [
        (
            f"http://127.0.0.1:{raw.port}/bot1:token/sendMessage",
            {"chat_id": "7", "text": "via the proxy"},
        )
    ]
    assert raw.accepted == 0
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    _send("direct")
    assert raw.accepted == 1
