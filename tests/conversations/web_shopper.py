"""A web chat shopper driven through the chat's own endpoints, counting her actions: what she
writes, taps and submits (tests/conversations/test_actions.py and test_stripe_checkout.py)."""

import json
import re
import uuid

from django.test import Client


class WebShopper:
    """Léa in the web chat: what she posts, what the page shows her, and the pay page."""

    def __init__(self, shop):
        self.shop = shop
        self.browser = Client()
        self.actions = 0
        assert self.browser.get(f"/chat/{shop.slug}/").status_code == 200  # opening the chat

    def _post(self, **fields) -> None:
        body = {"client_id": str(uuid.uuid4()), **fields}
        response = self.browser.post(
            f"/chat/{self.shop.slug}/messages",
            data=json.dumps(body),
            content_type="application/json",
        )
        assert response.status_code == 202, response.content

    def shown(self) -> list[dict]:
        response = self.browser.get(f"/chat/{self.shop.slug}/messages", {"after": 0})
        return [entry["body"] for entry in response.json()]

    def texts(self) -> list[str]:
        return [body.get("text", "") for body in self.shown()]

    def write(self, text: str) -> None:
        self.actions += 1
        self._post(text=text)

    def _buttons(self, on: str):
        for body in reversed(self.shown()):
            if body.get("type") == "carousel":
                for card in body["cards"]:
                    if on in card["title"]:
                        yield from card["buttons"]
            elif body.get("type") == "quick_replies" and on in body.get("text", ""):
                yield from body["options"]

    def tap(self, label: str, *, on: str = "") -> None:
        button = next((b for b in self._buttons(on) if b["title"] == label), None)
        assert button is not None, f"no button {label!r} on {on!r}: {self.shown()}"
        self.actions += 1
        self._post(payload=button["payload"], title=label)

    def open_payment_link(self) -> str:
        link = next(b["url"] for b in self._buttons("") if b.get("url", "").startswith("http"))
        self.actions += 1
        path = re.sub(r"^https?://[^/]+", "", link)
        assert self.browser.get(path).status_code == 200
        return path

    def submit_pay_form(self, path: str, fields: dict) -> None:
        """One form, filled by the browser's autofill, submitted once."""
        self.actions += 1
        form = {"step": "pay", "card_number": "4242 4242 4242 4242", "expiry": "12 / 34"}
        response = self.browser.post(path, {**form, "cvc": "123", **fields})
        assert response.status_code == 302, response.content.decode()[-2000:]
