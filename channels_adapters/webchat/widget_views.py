"""The embeddable chat: a script a brand pastes into its own site, and the chat it opens.

    <script src="https://<souk>/chat/widget.js" data-shop="<slug>" async></script>

The script (static/webchat/widget.js) draws a bubble in a corner and opens the shop's chat in
an iframe, /chat/<slug>/embed/. That page is the web chat with two differences, both because
it lives inside another site:
- it may be framed by any site (`frame-ancestors *`, and no X-Frame-Options), which the rest
  of Souk never allows;
- the visitor is named by a signed token the page keeps in its own storage and sends in the
  X-Souk-Visitor header, not by a cookie: browsers withhold cookies from a third-party frame.
  A header is never attached by the browser on its own, so a hostile page cannot post as the
  visitor, and the embedded messages endpoint needs no CSRF cookie.
"""

import re

from django.core import signing
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from channels_adapters.webchat import views as chat
from channels_adapters.webchat import visitor as visitors
from channels_adapters.webchat.wire import VISITOR_ID

VISITOR_HEADER = "X-Souk-Visitor"
# The snippet's data-color, passed on by the widget: the chat's accent follows the brand's.
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
EMBED_POLICY = chat.CONTENT_SECURITY_POLICY.replace("frame-ancestors 'none'", "frame-ancestors *")


def _signer(shop_slug: str) -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=f"souk.webchat.embed:{shop_slug}")


def visitor_token(visitor: str, *, shop_slug: str) -> str:
    return _signer(shop_slug).sign(visitor)


def visitor_from_token(token: str, *, shop_slug: str) -> str | None:
    try:
        visitor = _signer(shop_slug).unsign(token, max_age=visitors.MAX_AGE)
    except signing.BadSignature:
        return None
    return visitor if VISITOR_ID.match(visitor) else None


@require_GET
def widget_script(request):
    # A stable address for the snippet; the file itself is fingerprinted and cached for long.
    response = redirect(static("webchat/widget.js"))
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@xframe_options_exempt
@require_GET
def embed_page(request, slug: str):
    shop, account = chat.shop_and_channel(slug)
    token = visitor_token(visitors.visitor_new(), shop_slug=shop.slug)
    response = chat.chat_page_render(
        request,
        shop,
        messages_url=reverse("webchat-embed-messages", kwargs={"slug": shop.slug}),
        embedded=True,
        # The page keeps the first token it is given (localStorage), so a returning visitor
        # goes on with the same conversation; this one is used on a first visit.
        extra={
            "visitorToken": token,
            "visitorHeader": VISITOR_HEADER,
            "storageKey": shop.slug,
            "accent": color if COLOR.match(color := request.GET.get("color", "")) else "",
        },
        # The visitor's token lives in the frame's storage, unknown here: the browser's
        # languages decide the page's words, as they will the bot's.
        language=chat.page_language(request, shop, account=account),
    )
    response["Content-Security-Policy"] = EMBED_POLICY
    return response


@csrf_exempt
@require_http_methods(["GET", "POST"])
def embed_messages(request, slug: str):
    shop, account = chat.shop_and_channel(slug)
    token = request.headers.get(VISITOR_HEADER, "")
    visitor = visitor_from_token(token, shop_slug=shop.slug) if token else None
    if visitor is None:
        return chat.error_answer(403, "forbidden", "No chat visitor here: open the chat first.")
    if request.method == "GET":
        return chat.log_answer(request, account, visitor)
    return chat.post_answer(request, account, visitor)
