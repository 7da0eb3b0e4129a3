"""SMS encodings and segments (3GPP TS 23.038, the GSM 03.38 alphabet).

An SMS carries 140 bytes. A text made only of GSM-7 characters is packed 7 bits a character:
160 characters alone, 153 a segment once concatenated (the user data header takes 7). One
character outside GSM-7 and the whole message is sent as UCS-2: 70 UTF-16 code units alone, 67
a segment, an emoji outside the BMP taking two. The extension table is reached through an
escape, so its characters take two septets. Handsets never cut an escape sequence or a
surrogate pair across segments, so a character that does not fit starts the next segment.

`to_gsm` does what Twilio's "Smart Encoding" does: it replaces typographic punctuation (curly
quotes, dashes, ellipsis, the no-break spaces Babel puts in French prices) with its GSM
look-alike, so one curly apostrophe does not cost a French message more than half its room.
Letters are never changed: "ç" or "ê" stay and the message is UCS-2.
"""

from __future__ import annotations

GSM7 = "gsm7"
UCS2 = "ucs2"

GSM7_SINGLE, GSM7_SEGMENT = 160, 153
UCS2_SINGLE, UCS2_SEGMENT = 70, 67

# The basic table, in the standard's order (0x00-0x7F; 0x1B is the escape, not a character).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    + "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ"  # 0x1B, between Ξ and Æ, is the escape to the extension table
    + " !\"#¤%&'()*+,-./"
    + "0123456789:;<=>?"
    + "¡ABCDEFGHIJKLMNO"
    + "PQRSTUVWXYZÄÖÑÜ§"
    + "¿abcdefghijklmno"
    + "pqrstuvwxyzäöñüà"
)
# The extension table: escape + character, two septets each.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

# Typographic characters with a GSM-7 stand-in (what Smart Encoding replaces).
_TO_GSM = str.maketrans(
    {
        "\u2018": "'",  # left single quote
        "\u2019": "'",  # right single quote: the apostrophe of most French text
        "\u201a": "'",  # single low quote
        "\u201b": "'",  # single high-reversed quote
        "\u2032": "'",  # prime
        "`": "'",
        "\u00b4": "'",  # acute accent
        "\u201c": '"',  # left double quote
        "\u201d": '"',  # right double quote
        "\u201e": '"',  # double low quote
        "\u201f": '"',  # double high-reversed quote
        "\u2033": '"',  # double prime
        "\u00ab": '"',  # guillemet
        "\u00bb": '"',  # guillemet
        "\u2010": "-",  # hyphen
        "\u2011": "-",  # non-breaking hyphen
        "\u2012": "-",  # figure dash
        "\u2013": "-",  # en dash
        "\u2014": "-",  # em dash
        "\u2015": "-",  # horizontal bar
        "\u2212": "-",  # minus sign
        "\u2022": "-",  # bullet
        "\u00b7": "-",  # middle dot
        "\u2026": "...",  # ellipsis
        "\u00a0": " ",  # no-break space
        "\u202f": " ",  # narrow no-break space (Babel: "12,00 €" in French)
        "\u2007": " ",  # figure space
        "\u2009": " ",  # thin space
        "\u2002": " ",  # en space
        "\u2003": " ",  # em space
        "\t": " ",
        "\u200b": "",  # zero-width space
        "\u00ad": "",  # soft hyphen
        "\ufeff": "",  # BOM / zero-width no-break space
    }
)


def to_gsm(text: str) -> str:
    """`text` with typographic punctuation replaced by GSM-7 look-alikes; letters untouched."""
    return text.translate(_TO_GSM)


def is_gsm7(text: str) -> bool:
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


def _costs(text: str) -> tuple[str, list[int]]:
    if is_gsm7(text):
        return GSM7, [2 if char in GSM7_EXTENSION else 1 for char in text]
    return UCS2, [2 if ord(char) > 0xFFFF else 1 for char in text]


def units(text: str) -> tuple[str, int]:
    """The encoding `text` needs and its length in that encoding (septets, or UTF-16 units)."""
    encoding, costs = _costs(text)
    return encoding, sum(costs)


def segments(text: str) -> tuple[str, int]:
    """(encoding, number of SMS segments) for `text`; an empty text takes no segment."""
    encoding, costs = _costs(text)
    single, per_segment = (
        (GSM7_SINGLE, GSM7_SEGMENT) if encoding == GSM7 else (UCS2_SINGLE, UCS2_SEGMENT)
    )
    total = sum(costs)
    if total == 0:
        return encoding, 0
    if total <= single:
        return encoding, 1
    count, used = 1, 0
    for cost in costs:
        if used + cost > per_segment:
            count, used = count + 1, 0
        used += cost
    return encoding, count


def fits(text: str, max_segments: int) -> bool:
    return segments(text)[1] <= max_segments


def longest_fitting_prefix(text: str, max_segments: int) -> int:
    """The length of the longest prefix of `text` sent in at most `max_segments` segments.

    Segments only grow as characters are added (one non-GSM character turns the whole prefix
    to UCS-2, which never costs less), so a binary search over the prefix length is exact; it
    looks no further than the most GSM-7 characters that could fit."""
    ceiling = GSM7_SINGLE if max_segments <= 1 else GSM7_SEGMENT * max_segments
    low, high = 0, min(len(text), ceiling)
    while low < high:
        middle = (low + high + 1) // 2
        if fits(text[:middle], max_segments):
            low = middle
        else:
            high = middle - 1
    return low
