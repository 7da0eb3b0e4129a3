"""Fitting text into platform limits without mangling it.

Limits here are counted in code points (Python `len`), as Meta counts "characters", unless a
`length` function says how the platform counts (`utf8_bytes` for WeChat's byte limits). Cuts fall
on grapheme boundaries whenever the text has one in reach, so an emoji sequence (👩🏽‍💻, 🇫🇷,
1️⃣) or a letter with its accents is never split into pieces; a Python `str` is a sequence of code
points, so even a forced cut can never leave half a surrogate pair behind.
"""

import re
import unicodedata
from collections.abc import Callable

Length = Callable[[str], int]

ELLIPSIS = "…"
ZWJ = "\u200d"

# Marks that attach to the character before them: a cut just before one would split a cluster.
_EXTENDING_CATEGORIES = frozenset({"Mn", "Me", "Mc"})
_VARIATION_SELECTORS = range(0xFE00, 0xFE10)
_SKIN_TONES = range(0x1F3FB, 0x1F400)
_EMOJI_TAGS = range(0xE0020, 0xE0080)  # subdivision flags (🏴 + tags + cancel tag)
_REGIONAL_INDICATORS = range(0x1F1E6, 0x1F200)  # two of them make a flag


def _extends(char: str) -> bool:
    point = ord(char)
    return (
        char == ZWJ
        or point in _VARIATION_SELECTORS
        or point in _SKIN_TONES
        or point in _EMOJI_TAGS
        or unicodedata.category(char) in _EXTENDING_CATEGORIES
    )


def _is_regional(char: str) -> bool:
    return ord(char) in _REGIONAL_INDICATORS


def _is_boundary(text: str, index: int) -> bool:
    """Whether a cut between text[index - 1] and text[index] keeps every grapheme whole (an
    approximation of Unicode's extended grapheme clusters, without a regex dependency)."""
    if index <= 0 or index >= len(text):
        return True
    before, after = text[index - 1], text[index]
    if before == "\r" and after == "\n":
        return False
    if before == ZWJ or _extends(after):
        return False
    if _is_regional(before) and _is_regional(after):
        run = 0
        while index - run - 1 >= 0 and _is_regional(text[index - run - 1]):
            run += 1
        return run % 2 == 0  # flags pair up from the start of the run
    return True


def boundary_before(text: str, index: int) -> int:
    """The last grapheme boundary at or before `index`. When a single cluster is longer than
    `index` (a pathological run of combining marks), the code-point cut itself."""
    index = max(0, min(index, len(text)))
    cut = index
    while cut > 0 and not _is_boundary(text, cut):
        cut -= 1
    return cut or index


# Whitespace other than the no-break spaces French typography puts in "24,90 €" and before
# "?" (str.split() would break them into plain spaces).
_BREAKING_SPACE = re.compile(r"[^\S\u00a0\u202f\u2007]+")


def one_line(text: str) -> str:
    """Titles and labels are single lines: newlines and runs of spaces become one space; no-break
    spaces stay."""
    return _BREAKING_SPACE.sub(" ", text).strip()


def utf8_bytes(text: str) -> int:
    """Length as platforms that count bytes of UTF-8 do (WeChat): a Chinese character is 3."""
    return len(text.encode("utf-8", "surrogatepass"))


def prefix_within(text: str, limit: int, length: Length = len) -> int:
    """How many code points of `text` fit in `limit` as `length` counts (any count that grows
    with the text: characters, UTF-16 units, UTF-8 bytes)."""
    if length is len:
        return max(0, min(limit, len(text)))
    low, high = 0, len(text)
    while low < high:  # the largest prefix that fits, by bisection
        middle = (low + high + 1) // 2
        if length(text[:middle]) <= limit:
            low = middle
        else:
            high = middle - 1
    return low


def truncate(text: str, limit: int, *, length: Length = len) -> str:
    """`text` if it fits, else its longest whole-grapheme prefix that fits with an ellipsis."""
    if length(text) <= limit:
        return text
    if limit <= length(ELLIPSIS):
        return ELLIPSIS[: prefix_within(ELLIPSIS, limit, length)]
    cut = boundary_before(text, prefix_within(text, limit - length(ELLIPSIS), length))
    return text[:cut].rstrip() + ELLIPSIS


def label(text: str, limit: int, fallback: str = ELLIPSIS, *, length: Length = len) -> str:
    """A button or row title: one line, within `limit`, never empty (platforms refuse empty
    titles; `fallback` stands in for a blank one)."""
    fitted = truncate(one_line(text), limit, length=length)
    return fitted or fallback[: prefix_within(fallback, limit, length)]


def joined(*parts: str, separator: str = " · ") -> str:
    """The non-blank parts on one line, e.g. price and subtitle of a card."""
    return separator.join(one_line(part) for part in parts if part and part.strip())


def _break_point(text: str, limit: int, length: Length = len) -> int:
    """Where to end a chunk of at most `limit` (as `length` counts) of `text`: after a
    paragraph, else a line, else a space, as long as that keeps at least half the room; else a
    grapheme boundary (looked for in the whole text: a cluster may run past the limit)."""
    room = prefix_within(text, limit, length)
    window = text[:room]
    for separator in ("\n\n", "\n", " "):
        position = window.rfind(separator)
        if position >= room // 2:
            return position + len(separator)
    return boundary_before(text, room)


def split_text(text: str, limit: int, *, length: Length = len) -> list[str]:
    """`text` in chunks of at most `limit` characters (or what `length` counts), cut between
    paragraphs, lines or words where possible. Blank text gives no chunk at all."""
    chunks: list[str] = []
    rest = text.strip()
    while rest:
        if length(rest) <= limit:
            chunks.append(rest)
            break
        cut = _break_point(rest, limit, length) or max(1, prefix_within(rest, limit, length))
        chunk = rest[:cut].rstrip()
        if chunk:
            chunks.append(chunk)
        rest = rest[cut:].lstrip()
    return chunks


def split_with_tail(
    text: str, limit: int, tail_limit: int, *, length: Length = len
) -> tuple[list[str], str]:
    """`text` as chunks of at most `limit` plus a last chunk of at most `tail_limit`, apart:
    for a message whose text sits in a tighter field (a template body) after plain texts."""
    chunks = split_text(text, limit, length=length)
    if not chunks:
        return [], ""
    *head, tail = chunks
    if length(tail) > tail_limit:
        *more, tail = split_text(tail, tail_limit, length=length)
        head += more
    return head, tail
