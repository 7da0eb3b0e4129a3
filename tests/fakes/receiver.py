"""An integrator's webhook endpoint over real HTTP: records every delivery Souk makes and
answers 200, unless a test scripts failures (`fail_next`, `fail_always`, `delay_next`)."""

from __future__ import annotations

from tests.fakes.server import FakeServer, RecordedRequest, Response


class FakeReceiver(FakeServer):
    def handle(self, request: RecordedRequest) -> Response:
        return Response(status=200, json={"received": True})

    def endpoint_url(self, path: str = "/souk/webhooks") -> str:
        return self.url + path
