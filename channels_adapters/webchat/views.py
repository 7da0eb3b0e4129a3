"""The web chat page and its one endpoint, /chat/<shop>/messages.

POST is intake, like a platform webhook (the other packages' views.py): check who is posting,
validate, store the event once (inbound_events_store), answer 202. The bot answers from the
worker and the page reads the replies back with GET, which only ever reads the conversation of
the visitor named by the signed cookie. CSRF protection stays on: the page sends its token.
"""

import math

from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation.trans_real import parse_accept_lang_header
from django.views.decorators.http import require_GET, require_http_methods

from channels_adapters import intake, ratelimit, registry
from channels_adapters.models import ChannelAccount, ChannelStatus
from channels_adapters.setup import webchat_channel
from channels_adapters.webchat import visitor as visitors
from channels_adapters.webchat.visitor_log import visitor_log
from channels_adapters.webchat.wire import MAX_TEXT_CHARS, InvalidField
from conversations.language import supported
from conversations.models import Customer
from shops import untrusted
from shops.http import body_within
from shops.models import Shop

MAX_BODY_BYTES = 16 * 1024
# Per visitor: a burst of taps is fine, a script hammering the bot is not.
VISITOR_RATE_PER_SECOND = 2.0
VISITOR_BURST = 10

# A page with no inline script or style: anything injected could not run.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: http: data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

UI = {
    "en": {
        "placeholder": "Write a message…",
        "send": "Send",
        "status": "Usually replies at once",
        "typing": "{shop} is typing",
        "not_sent": "Not sent.",
        "retry": "Retry",
        "log": "Conversation with {shop}",
        "no_script": "This chat needs JavaScript.",
        "counter": "{count} / {limit}",
        "too_long": "Too long: at most {limit} characters ({count} now). Shorten it to send.",
        "share_location": "Share my location",
        "location_sent": "📍 Location shared",
        "location_denied": "Location not shared: type the address instead.",
        "previous": "Previous",
        "next": "Next",
    },
    "fr": {
        "placeholder": "Écrivez un message…",
        "send": "Envoyer",
        "status": "Répond en général tout de suite",
        "typing": "{shop} écrit",
        "not_sent": "Non envoyé.",
        "retry": "Réessayer",
        "log": "Conversation avec {shop}",
        "no_script": "Ce chat a besoin de JavaScript.",
        "counter": "{count} / {limit}",
        "too_long": (
            "Trop long\u00a0: {limit} caractères au plus ({count} ici). Raccourcissez pour envoyer."
        ),
        "share_location": "Partager ma position",
        "location_sent": "📍 Position partagée",
        "location_denied": "Position non partagée\u00a0: tapez l'adresse.",
        "previous": "Précédent",
        "next": "Suivant",
    },
    "zh-hans": {
        "placeholder": "输入消息……",
        "send": "发送",
        "status": "通常会立即回复",
        "typing": "{shop}正在输入",
        "not_sent": "未发送。",
        "retry": "重试",
        "log": "与{shop}的对话",
        "no_script": "此聊天需要启用 JavaScript。",
        "counter": "{count} / {limit}",
        "too_long": "太长了\uff1a最多{limit}个字符\uff08现在{count}个\uff09。请缩短后发送。",
        "share_location": "发送我的位置",
        "location_sent": "📍 已发送位置",
        "location_denied": "未发送位置\uff1a请直接输入地址。",
        "previous": "上一页",
        "next": "下一页",
    },
}


def error_answer(status: int, code: str, message: str, field: str = "") -> JsonResponse:
    body = {"error": code, "message": f"{field}: {message}" if field else message}
    if field:
        body["fields"] = {field: [message]}
    return JsonResponse(body, status=status)


def shop_and_channel(slug: str) -> tuple[Shop, ChannelAccount]:
    shop = get_object_or_404(Shop, slug=slug)
    account = webchat_channel(shop=shop)
    if account.status == ChannelStatus.DISABLED:
        raise Http404("This shop's web chat is closed.")
    return shop, account


def page_language(request, shop: Shop, *, account: ChannelAccount, visitor: str = "") -> str:
    """The language of the page's own words, the one the bot will answer in
    (conversations/language.py), so the page never mixes two: the visitor's known language,
    else the first of the browser's languages Souk speaks (the page then sends the same list
    with the visitor's first message), else the shop's."""
    if visitor:
        known = (
            Customer.objects.filter(identities__channel=account, identities__external_id=visitor)
            .values_list("language", flat=True)
            .first()
        )
        if supported(known or "", shop):
            return supported(known, shop)
    for tag, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        if supported(tag, shop):
            return supported(tag, shop)
    return shop.language


def chat_page_render(
    request,
    shop: Shop,
    *,
    messages_url: str,
    embedded: bool,
    extra: dict,
    language: str = "",
):
    language = language if language in UI else shop.language
    strings = {
        key: value.replace("{shop}", shop.name) for key, value in UI.get(language, UI["en"]).items()
    }
    config = {
        "messagesUrl": messages_url,
        "strings": strings,
        # The server's own limit, shown by the composer's counter (nothing is cut silently).
        "maxChars": MAX_TEXT_CHARS,
        **extra,
    }
    context = {
        "shop": shop,
        "page_language": language,
        "ui": strings,
        "config": config,
        "initial": shop.name[:1].upper(),
        "logo_url": shop.logo.url if shop.logo else "",
        "embedded": embedded,
    }
    response = render(request, "webchat/chat.html", context)
    response["Cache-Control"] = "no-store"  # carries a CSRF token or a visitor token
    return response


@require_GET
def chat_page(request, slug: str):
    shop, account = shop_and_channel(slug)
    known = visitors.visitor_from_request(request, shop_slug=shop.slug)
    visitor = known or visitors.visitor_new()
    response = chat_page_render(
        request,
        shop,
        messages_url=reverse("webchat-messages", kwargs={"slug": shop.slug}),
        embedded=False,
        extra={},
        language=page_language(request, shop, account=account, visitor=known or ""),
    )
    # Re-set on every visit: a returning visitor keeps their id for another year.
    visitors.visitor_cookie_set(response, visitor=visitor, shop_slug=shop.slug)
    response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response


@require_http_methods(["GET", "POST"])
def chat_messages(request, slug: str):
    shop, account = shop_and_channel(slug)
    visitor = visitors.visitor_from_request(request, shop_slug=shop.slug)
    if visitor is None:
        return error_answer(403, "forbidden", "No chat visitor here: open the chat page first.")
    if request.method == "GET":
        return log_answer(request, account, visitor)
    return post_answer(request, account, visitor)


def log_answer(request, account: ChannelAccount, visitor: str) -> JsonResponse:
    after = request.GET.get("after", "0")
    if not after.isdigit() or len(after) > 18:
        return error_answer(
            400, "validation_error", "A message id (a whole number) is required.", "after"
        )
    entries = visitor_log(account=account, visitor_id=visitor, after_id=int(after))
    response = JsonResponse(entries, safe=False)
    response["Cache-Control"] = "no-store"
    return response


def post_answer(request, account: ChannelAccount, visitor: str) -> JsonResponse:
    raw = body_within(request, MAX_BODY_BYTES)
    if raw is None:
        return error_answer(413, "payload_too_large", f"At most {MAX_BODY_BYTES} bytes.")
    try:
        # Not repaired: the page never sends what storage cannot hold, so such a body is refused.
        body = untrusted.loads(raw)
    except untrusted.UntrustedInput as exc:
        return error_answer(400, "validation_error", str(exc), "body")
    if not isinstance(body, dict):
        return error_answer(400, "validation_error", "A JSON object is required.", "body")
    try:
        # The visitor comes from the signed cookie, never from the body.
        events = registry.adapter_for(account.kind).split({**body, "visitor": visitor})
    except InvalidField as exc:
        return error_answer(400, "validation_error", exc.reason, exc.field)
    wait = ratelimit.acquire(
        f"webchat:{account.pk}:{visitor}", VISITOR_RATE_PER_SECOND, burst=VISITOR_BURST
    )
    if wait:
        response = error_answer(429, "throttled", "Too many messages; try again in a moment.")
        response["Retry-After"] = str(math.ceil(wait))
        return response
    intake.inbound_events_store(routed=[(account, event) for event in events])
    return JsonResponse({"ok": True}, status=202)
