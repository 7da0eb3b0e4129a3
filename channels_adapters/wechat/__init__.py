"""WeChat Official Accounts: signed (plain or AES) XML pushes in, the customer-service message
API out, one access token per account shared by every worker.

Registered as `wechat`: views.py serves each account's server URL through `webhook`, the
adapter's connect steps (connect.py) run from the channel setup (docs/channels.md, "WeChat").
"""

from channels_adapters.wechat.adapter import WeChatAdapter
from channels_adapters.wechat.connect import connect, connect_check, connect_setup, default_menu
from channels_adapters.wechat.webhook import WebhookAnswer, webhook

__all__ = [
    "WeChatAdapter",
    "WebhookAnswer",
    "connect",
    "connect_check",
    "connect_setup",
    "default_menu",
    "webhook",
]
