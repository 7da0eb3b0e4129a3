"""A tiny threaded HTTP server that the platform fakes build on.

Each fake subclasses `FakeServer`, names the route a request belongs to (`route_of`) and answers
it (`handle`). The base records every request, lets a test script the next responses of a route
(`fail_next`, `fail_always`, `delay_next`), refuse everything for a while (`storm`), and wait
for a request sent from another thread or process (`wait_for`). It binds 127.0.0.1 on a free
port; use it as a context manager.
"""

from __future__ import annotations

import json as jsonlib
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

ANY_ROUTE = "*"


@dataclass(frozen=True)
class UploadedFile:
    filename: str
    content_type: str
    content: bytes


@dataclass
class RecordedRequest:
    """One request as the fake received it; `status`/`response` are filled once answered.

    Header names are lower-cased. `form` holds form-encoded or multipart text fields (last value
    wins; `form_lists` keeps every value), `json` the parsed JSON body, `meta` what the fake
    derived (the token used, the account...).
    """

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    form: dict[str, str] = field(default_factory=dict)
    form_lists: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, UploadedFile] = field(default_factory=dict)
    json: Any = None
    route: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    received_at: float = field(default_factory=time.monotonic)
    status: int | None = None
    response: Any = None

    @property
    def params(self) -> dict[str, Any]:
        """Query, form and JSON object parameters merged, as platforms read them."""
        merged: dict[str, Any] = dict(self.query)
        merged.update(self.form)
        if isinstance(self.json, dict):
            merged.update(self.json)
        return merged


@dataclass(frozen=True)
class Response:
    status: int = 200
    json: Any = None
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> tuple[bytes, dict[str, str]]:
        headers = dict(self.headers)
        if self.json is not None:
            headers.setdefault("Content-Type", "application/json")
            return jsonlib.dumps(self.json).encode(), headers
        return self.body, headers


@dataclass
class _Script:
    response: Response | None  # None: answer normally, after the delay
    delay: float
    remaining: int | None  # None: forever


@dataclass
class _Storm:
    route: str
    until: float  # time.monotonic()
    responses: list[Response]
    answered: int = 0


class FakeServer:
    """Base class: subclasses implement `route_of` and `handle`."""

    # Tests keep one request per connection (simple, nothing lingers between tests); the
    # end-to-end benchmark keeps connections open, as the real platforms do.
    keep_alive = False

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._requests: list[RecordedRequest] = []
        self._scripts: dict[str, list[_Script]] = {}
        self._stopping = threading.Event()
        self._storms: list[_Storm] = []
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> FakeServer:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.02},  # shutdown() waits up to one poll interval
            name=type(self).__name__,
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._httpd is not None, "the fake server is not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    # -- what subclasses implement ---------------------------------------------------------
    def route_of(self, request: RecordedRequest) -> str:
        return request.path

    def handle(self, request: RecordedRequest) -> Response:
        raise NotImplementedError

    # -- scripting -------------------------------------------------------------------------
    def fail_next(
        self,
        route: str = ANY_ROUTE,
        *,
        status: int = 500,
        json: Any = None,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        times: int | None = 1,
        delay: float = 0.0,
    ) -> None:
        """Answer the next `times` requests of `route` (None: all of them) with this response."""
        response = Response(status=status, json=json, body=body, headers=dict(headers or {}))
        self._script(route, _Script(response, delay, times))

    def fail_always(self, route: str = ANY_ROUTE, **response: Any) -> None:
        """A permanent error: every request of `route` gets it until `clear_scripts()`."""
        self.fail_next(route, times=None, **response)

    def delay_next(self, route: str = ANY_ROUTE, seconds: float = 1.0, times: int = 1) -> None:
        """Answer normally, but only after `seconds` (to exercise client timeouts)."""
        self._script(route, _Script(None, seconds, times))

    def storm(self, route: str, seconds: float, responses: Iterable[Response]) -> float:
        """For the next `seconds`, every request of `route` gets the next of `responses` (in
        turn); returns when the storm ends (time.monotonic()). Scripts wait until it is over."""
        until = time.monotonic() + seconds
        with self._lock:
            self._storms.append(_Storm(route, until, list(responses)))
        return until

    def clear_scripts(self) -> None:
        with self._lock:
            self._scripts.clear()
            self._storms.clear()

    def reset(self) -> None:
        with self._lock:
            self._scripts.clear()
            self._storms.clear()
            self._requests.clear()

    def _script(self, route: str, script: _Script) -> None:
        with self._lock:
            self._scripts.setdefault(route, []).append(script)

    def _take_script(self, route: str) -> _Script | None:
        with self._lock:
            now = time.monotonic()
            for storm in self._storms:
                if storm.route in (route, ANY_ROUTE) and now < storm.until:
                    storm.answered += 1
                    response = storm.responses[(storm.answered - 1) % len(storm.responses)]
                    return _Script(response, 0.0, None)
            for key in (route, ANY_ROUTE):
                queue = self._scripts.get(key)
                if not queue:
                    continue
                script = queue[0]
                if script.remaining is not None:
                    script.remaining -= 1
                    if script.remaining <= 0:
                        queue.pop(0)
                return script
        return None

    # -- reading what was received ---------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def requests_for(self, route: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.route == route]

    def last(self, route: str | None = None) -> RecordedRequest:
        found = self.requests if route is None else self.requests_for(route)
        assert found, f"no request for {route or 'any route'}; got {self._summary()}"
        return found[-1]

    def wait_for(
        self, predicate: Callable[[RecordedRequest], bool], timeout: float = 5.0
    ) -> RecordedRequest:
        """The first recorded request (past or future) matching `predicate` and answered."""
        matches = self.wait_for_count(predicate, 1, timeout)
        return matches[0]

    def wait_for_route(self, route: str, count: int = 1, timeout: float = 5.0):
        return self.wait_for_count(lambda r: r.route == route, count, timeout)

    def wait_for_count(
        self, predicate: Callable[[RecordedRequest], bool], count: int, timeout: float = 5.0
    ) -> list[RecordedRequest]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                matches = [r for r in self._requests if r.status is not None and predicate(r)]
                if len(matches) >= count:
                    return matches
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"timed out after {timeout}s waiting for {count} matching request(s); "
                        f"got {self._summary()}"
                    )
                self._changed.wait(remaining)

    def _summary(self) -> str:
        with self._lock:
            lines = [f"{r.method} {r.path} [{r.route}] -> {r.status}" for r in self._requests]
        return "\n  ".join(["", *lines]) if lines else "nothing"

    # -- dispatch (runs on the server's threads) -------------------------------------------
    def _dispatch(self, request: RecordedRequest) -> Response:
        request.route = self.route_of(request)
        with self._lock:
            self._requests.append(request)
        script = self._take_script(request.route)
        if script is not None and script.delay:
            self._stopping.wait(script.delay)
        if script is not None and script.response is not None:
            response = script.response
        else:
            try:
                with self._lock:
                    response = self.handle(request)
            except Exception as exc:  # a bug in a fake must show up, not hang the client
                response = Response(status=500, json={"fake_error": repr(exc)})
        with self._changed:
            request.status = response.status
            request.response = response.json if response.json is not None else response.body
            self._changed.notify_all()
        return response


def parse_request(method: str, target: str, headers: Iterable[tuple[str, str]], body: bytes):
    """Build a RecordedRequest from raw HTTP parts, decoding form, multipart and JSON bodies."""
    parts = urlsplit(target)
    header_map = {name.lower(): value for name, value in headers}
    request = RecordedRequest(
        method=method,
        path=parts.path,
        query={k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()},
        headers=header_map,
        body=body,
    )
    content_type = header_map.get("content-type", "")
    if content_type.startswith("application/x-www-form-urlencoded"):
        lists = parse_qs(body.decode("utf-8"), keep_blank_values=True)
        request.form_lists = lists
        request.form = {k: v[-1] for k, v in lists.items()}
    elif content_type.startswith("multipart/form-data"):
        _parse_multipart(request, content_type)
    elif body and ("json" in content_type or body.lstrip()[:1] in (b"{", b"[")):
        try:
            request.json = jsonlib.loads(body)
        except ValueError:
            request.json = None
    return request


def _parse_multipart(request: RecordedRequest, content_type: str) -> None:
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + request.body)
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        content = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is not None:
            request.files[name] = UploadedFile(filename, part.get_content_type(), content)
        else:
            charset = part.get_content_charset() or "utf-8"
            request.form_lists.setdefault(name, []).append(content.decode(charset))
            request.form[name] = request.form_lists[name][-1]


def _read_body(handler: BaseHTTPRequestHandler) -> bytes:
    if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                handler.rfile.readline()
                return b"".join(chunks)
            chunks.append(handler.rfile.read(size))
            handler.rfile.readline()
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length) if length else b""


def _handler_for(fake: FakeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "SoukFake/1.0"
        # HTTP/1.1 keeps connections open between requests, as real platforms do.
        protocol_version = "HTTP/1.1" if fake.keep_alive else "HTTP/1.0"
        # Buffered, so a response leaves in one write, as a real API's small responses do.
        # Unbuffered, the status and headers went out first and the body in a second write:
        # the client then waited on the body for as long as this process's other threads
        # held the GIL (a third of the Celery pool's time in bench end_to_end at 135/s).
        wbufsize = -1

        def _serve(self) -> None:
            request = parse_request(self.command, self.path, self.headers.items(), _read_body(self))
            response = fake._dispatch(request)
            payload, headers = response.encoded()
            try:
                self.send_response(response.status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (its timeout): that is what some tests want

        do_GET = do_POST = do_DELETE = do_PUT = _serve

        def log_message(self, format, *args) -> None:
            pass

    return Handler
