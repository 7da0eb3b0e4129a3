"""Reading WeChat's XML pushes safely, with the standard library's expat and no new dependency.

WeChat's XML is flat (`<xml><MsgType><![CDATA[text]]></MsgType>…</xml>`, a few events nest one
level more) and never has a DOCTYPE. So, as defusedxml does, any DOCTYPE, entity declaration or
external entity is refused outright: no entity can be expanded (no "billion laughs"), nothing
is fetched. The body is refused beyond `XML_MAX_BYTES`, nesting beyond 4 levels and more than
200 elements. Text is repaired as every platform's is (`shops.untrusted.repaired_text`).
"""

from __future__ import annotations

from xml.parsers import expat

from channels_adapters.wechat.limits import XML_MAX_BYTES
from shops.untrusted import repaired_text

DEPTH_MAX = 4
ELEMENTS_MAX = 200


class XmlRefused(ValueError):
    """Not a WeChat XML message (malformed, too large, or with a DOCTYPE or entities)."""


def parse(body: bytes) -> dict:
    """The root `<xml>` element's children: name → text, or name → dict for nested ones."""
    if len(body) > XML_MAX_BYTES:
        raise XmlRefused(f"larger than {XML_MAX_BYTES} bytes")
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: list[tuple[str, dict, list[str]]] = []
    root: dict = {}
    count = 0

    def refuse(*_args) -> None:
        raise XmlRefused("a DOCTYPE or an entity declaration")

    def start(name: str, _attributes: dict) -> None:
        nonlocal count
        count += 1
        if count > ELEMENTS_MAX:
            raise XmlRefused(f"more than {ELEMENTS_MAX} elements")
        if len(stack) >= DEPTH_MAX:
            raise XmlRefused(f"nested deeper than {DEPTH_MAX}")
        if not stack and name != "xml":
            raise XmlRefused(f"the root element is <{name[:40]}>, not <xml>")
        stack.append((name, {}, []))

    def end(name: str) -> None:
        _, children, texts = stack.pop()
        value = children if children else repaired_text("".join(texts))
        if stack:
            stack[-1][1][name] = value
        else:
            root.update(children)

    def characters(data: str) -> None:
        if stack:
            stack[-1][2].append(data)

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    try:
        parser.Parse(body, True)
    except expat.ExpatError as exc:
        raise XmlRefused(f"not well-formed XML ({expat.ErrorString(exc.code)})") from None
    return root
