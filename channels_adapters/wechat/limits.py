"""WeChat Official Account limits (docs/channel-limits.md, WeChat, with their sources).

WeChat counts text in BYTES of UTF-8, so a Chinese character costs 3 and an emoji 4: every
limit here is measured with `text.utf8_bytes`, never `len`.
"""

from datetime import timedelta

# Customer-service text message (`text.content`): errcode 45002 beyond it. WeCom's figure for
# the same message; the Official Account page states none (unverified, docs/channel-limits.md).
TEXT_MAX_BYTES = 2048
# Menu message (`msgmenu`): the question, at most 10 options, each an id and a label. WeCom's
# figures too; whether an Official Account takes a non-numeric id is unverified.
MENU_HEAD_MAX_BYTES = 1024
MENU_TAIL_MAX_BYTES = 1024
MENU_ITEMS_MAX = 10  # errcode 45098 "msgmenu list size is out of limit" beyond it
MENU_ITEM_ID_MAX_BYTES = 64
MENU_ITEM_CONTENT_MAX_BYTES = 128
# Link card (`news`): one article per message (errcode 45008 beyond). No byte limit is
# documented for it: these are Souk's own conservative choice.
NEWS_TITLE_MAX_BYTES = 128
NEWS_DESCRIPTION_MAX_BYTES = 512
NEWS_URL_MAX_BYTES = 2048

# The account's custom menu (`/cgi-bin/menu/create`).
ACCOUNT_MENU_BUTTONS_MAX = 3
ACCOUNT_MENU_NAME_MAX_BYTES = 16
ACCOUNT_MENU_KEY_MAX_BYTES = 128

# Customer-service messages may follow a shopper's message for 48 hours (errcode 45015 after);
# a payment opens no window since WeChat withdrew its quota in 2023.
REPLY_WINDOW = timedelta(hours=48)
# How many messages one shopper action allows (errcode 45047 beyond): 5 within 48 h after a
# message, 3 within a minute after a menu click, a follow or a QR scan. Rendering keeps one
# normalized message to as few platform messages as it can for that reason.
MESSAGES_PER_SHOPPER_MESSAGE = 5

# A push must be answered within 5 s, or WeChat retries (3 times).
ANSWER_WITHIN_SECONDS = 5
# A push whose timestamp is further than this from our clock is refused (a replay).
TIMESTAMP_TOLERANCE_SECONDS = 300
# Pushes are small (a text is at most 2048 bytes); anything much larger is not WeChat's.
XML_MAX_BYTES = 64 * 1024

# Access tokens: 7200 s; refreshed at 80 % of their life, before any worker sees one expire.
TOKEN_REFRESH_FRACTION = 0.8
