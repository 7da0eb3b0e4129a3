"""Request bodies that machines send (platform webhooks, the web chat page), read bounded."""


def body_within(request, limit: int) -> bytes | None:
    """The raw body, or None when it is over `limit` bytes: refused on the declared
    Content-Length before anything is read, and checked again on what was actually read."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return None
    body = request.body  # kept by Django, so request.POST can still parse a form from it
    return None if len(body) > limit else body
