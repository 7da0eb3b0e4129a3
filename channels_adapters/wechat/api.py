"""WeChat API calls that need the account's access token: each gets the shared token, and a
token WeChat calls stale (another worker or system fetched a newer one, or it expired early) is
dropped and replaced once before the call is given up."""

from __future__ import annotations

from collections.abc import Mapping

from channels_adapters.base import PermanentSendError
from channels_adapters.wechat import client
from channels_adapters.wechat.token import App, access_token, invalidate

CUSTOM_SEND = "/cgi-bin/message/custom/send"
MENU_CREATE = "/cgi-bin/menu/create"
# A GET without a body: removes the account's custom menu (and any personalised ones).
MENU_DELETE = "/cgi-bin/menu/delete"


def app_of(credentials: Mapping[str, str]) -> App:
    app_id, app_secret = credentials.get("app_id", ""), credentials.get("app_secret", "")
    if not app_id or not app_secret:
        raise PermanentSendError("WeChat AppID or AppSecret missing", code="bad_credentials")
    return App(app_id=app_id, app_secret=app_secret)


def call(app: App, path: str, body: dict | None = None) -> dict:
    """POST `body` to `path` with the account's token (a GET when there is no body, as for
    menu/delete); the answer when errcode is 0, else the SendError it means (client.error)."""

    def request(token: str) -> dict:
        params = {"access_token": token}
        return client.get(path, params) if body is None else client.post(path, params, body)

    token = access_token(app)
    answer = request(token)
    if client.errcode(answer) in client.TOKEN_CODES:
        invalidate(app, token)
        answer = request(access_token(app))
    if client.errcode(answer):
        raise client.error(answer)
    return answer
