"""Placeholder product photos for the demo shop, drawn with Pillow.

Each picture is a flat-lay "studio shot": a soft gradient backdrop, the item's silhouette in its
colour and pattern with a drop shadow, stitched details and the brand name. They are generated
rather than committed so the repository carries no binary assets, and they are deterministic (a
seed string picks every random choice) so re-seeding or comparing screenshots is stable.
"""

import io
import math
import random
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

SIZE = 1200
# Drawn at twice the size and reduced: ImageDraw has no anti-aliasing, this smooths the edges.
_SCALE = 2
_W = SIZE * _SCALE

RGB = tuple[int, int, int]
Point = tuple[float, float]

# Light backdrops for dark or saturated items, deeper ones so white and pale items stand out.
_LIGHT_BACKDROPS: list[tuple[RGB, RGB]] = [
    ((246, 241, 233), (226, 216, 202)),  # ivory
    ((244, 232, 228), (225, 203, 196)),  # blush
    ((236, 239, 240), (208, 214, 218)),  # pale grey
    ((240, 236, 222), (219, 209, 184)),  # sand
    ((232, 240, 234), (203, 218, 207)),  # mint
]
_DEEP_BACKDROPS: list[tuple[RGB, RGB]] = [
    ((176, 190, 172), (130, 148, 128)),  # sage
    ((168, 184, 204), (118, 138, 164)),  # dusty blue
    ((196, 176, 160), (150, 128, 112)),  # taupe
]
_WOOD: RGB = (150, 110, 70)
_METAL: RGB = (196, 164, 92)


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))


def _lighter(colour: RGB, t: float) -> RGB:
    return _mix(colour, (255, 255, 255), t)


def _darker(colour: RGB, t: float) -> RGB:
    return _mix(colour, (0, 0, 0), t)


def _luminance(colour: RGB) -> float:
    r, g, b = colour
    return (0.299 * r + 0.587 * g + 0.114 * b) / 255


def _rng(seed: str) -> random.Random:
    # Not for security: a stable stream of choices per product (crc32 is stable across runs,
    # unlike hash() on str).
    return random.Random(zlib.crc32(seed.encode()))


def _px(points: Sequence[Point]) -> list[tuple[float, float]]:
    return [(x * _W, y * _W) for x, y in points]


def _box(x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
    return (x0 * _W, y0 * _W, x1 * _W, y1 * _W)


def _gradient(top: RGB, bottom: RGB, *, horizontal: bool = False) -> Image.Image:
    """`top` fading into `bottom` (left into right if `horizontal`), built as a 1-pixel strip
    and stretched: much faster than compositing two full-size images."""
    column = Image.linear_gradient("L").crop((0, 0, 1, 256))
    strip = Image.merge(
        "RGB",
        [
            column.point(lambda v, a=a, b=b: round(a + (b - a) * v / 255))
            for a, b in zip(top, bottom, strict=True)
        ],
    )
    if horizontal:
        strip = strip.transpose(Image.Transpose.TRANSPOSE)
    return strip.resize((_W, _W), Image.Resampling.BILINEAR)


# --- Shapes: each piece is filled, then outlined; details are drawn on top -----------------------


@dataclass
class Piece:
    """One filled part of an item: a polygon, an ellipse, or a thick polyline/arc ("band")."""

    kind: str  # "poly" | "ellipse" | "band" | "arc"
    coords: list
    width: float = 0.0  # bands and arcs, in canvas fractions
    start: float = 0.0  # arcs, degrees
    end: float = 0.0
    colour: RGB | str | None = None  # None: the item's colour and pattern; str: a tone name
    outline: bool = True


@dataclass
class Detail:
    """A line, dot or small shape drawn over the item: seams, buttons, laces, buckles."""

    kind: str  # "line" | "dots" | "poly" | "ellipse" | "arc" | "text"
    coords: list
    tone: str = "dark"  # "dark" | "light" | "accent" | "metal" | "ink" | "white"
    width: float = 0.004
    start: float = 0.0
    end: float = 0.0
    radius: float = 0.006
    text: str = ""


@dataclass
class Drawing:
    pieces: list[Piece]
    details: list[Detail] = field(default_factory=list)
    behind: list[Detail] = field(default_factory=list)  # hangers, drawn before the item


def _hanger(bar_y: float = 0.17) -> list[Detail]:
    return [
        Detail("arc", [0.475, 0.055, 0.525, 0.105], tone="metal", width=0.007, start=180, end=20),
        Detail("line", [(0.50, 0.105), (0.50, bar_y - 0.05)], tone="metal", width=0.007),
        Detail(
            "line", [(0.35, bar_y), (0.50, bar_y - 0.05), (0.65, bar_y)], tone="wood", width=0.016
        ),
    ]


def _dress_wrap() -> Drawing:
    body = [
        (0.445, 0.165), (0.50, 0.30), (0.555, 0.165), (0.605, 0.175), (0.675, 0.255),
        (0.640, 0.295), (0.605, 0.270), (0.585, 0.420), (0.700, 0.860), (0.600, 0.880),
        (0.500, 0.886), (0.400, 0.880), (0.300, 0.860), (0.415, 0.420), (0.395, 0.270),
        (0.360, 0.295), (0.325, 0.255), (0.395, 0.175),
    ]  # fmt: skip
    return Drawing(
        pieces=[Piece("poly", body)],
        details=[
            Detail("line", [(0.50, 0.30), (0.425, 0.415)], width=0.004),
            Detail("line", [(0.565, 0.425), (0.60, 0.60), (0.655, 0.872)], width=0.004),
            Detail("line", [(0.415, 0.420), (0.585, 0.420)], width=0.014),
            Detail("line", [(0.575, 0.425), (0.605, 0.575)], width=0.009),
            Detail("line", [(0.565, 0.425), (0.552, 0.590)], width=0.009),
        ],
        behind=_hanger(),
    )


def _dress_sun() -> Drawing:
    body = [
        (0.425, 0.220), (0.50, 0.245), (0.575, 0.220), (0.600, 0.275), (0.580, 0.420),
        (0.680, 0.840), (0.590, 0.858), (0.500, 0.862), (0.410, 0.858), (0.320, 0.840),
        (0.420, 0.420), (0.400, 0.275),
    ]  # fmt: skip
    buttons = [(0.50, 0.29 + 0.075 * i) for i in range(7)]
    return Drawing(
        pieces=[
            Piece("band", [(0.435, 0.228), (0.425, 0.150)], width=0.014),
            Piece("band", [(0.565, 0.228), (0.575, 0.150)], width=0.014),
            Piece("poly", body),
        ],
        details=[
            Detail("line", [(0.42, 0.42), (0.58, 0.42)], tone="dark", width=0.005),
            Detail("line", [(0.50, 0.245), (0.50, 0.86)], tone="dark", width=0.003),
            Detail("dots", buttons, tone="light", radius=0.0065),
            Detail("arc", [0.37, 0.50, 0.45, 0.58], tone="dark", width=0.003, start=0, end=180),
            Detail("arc", [0.55, 0.50, 0.63, 0.58], tone="dark", width=0.003, start=0, end=180),
        ],
        behind=_hanger(0.15),
    )


def _dress_maxi() -> Drawing:
    body = [
        (0.440, 0.170), (0.50, 0.215), (0.560, 0.170), (0.615, 0.185), (0.690, 0.250),
        (0.655, 0.310), (0.610, 0.280), (0.590, 0.400), (0.750, 0.920), (0.620, 0.940),
        (0.500, 0.945), (0.380, 0.940), (0.250, 0.920), (0.410, 0.400), (0.390, 0.280),
        (0.345, 0.310), (0.310, 0.250), (0.385, 0.185),
    ]  # fmt: skip
    smocking = [
        Detail("line", [(0.412, 0.385 + 0.012 * i), (0.588, 0.385 + 0.012 * i)], tone="light")
        for i in range(4)
    ]
    tiers = [
        Detail("line", [(0.355, 0.62), (0.50, 0.628), (0.645, 0.62)], tone="dark", width=0.004),
        Detail("line", [(0.300, 0.78), (0.50, 0.79), (0.700, 0.78)], tone="dark", width=0.004),
    ]
    return Drawing(pieces=[Piece("poly", body)], details=smocking + tiers, behind=_hanger())


def _tee() -> Drawing:
    body = [
        (0.400, 0.175), (0.50, 0.190), (0.600, 0.175), (0.680, 0.210), (0.800, 0.400),
        (0.730, 0.440), (0.660, 0.330), (0.665, 0.820), (0.335, 0.820), (0.340, 0.330),
        (0.270, 0.440), (0.200, 0.400), (0.320, 0.210),
    ]  # fmt: skip
    return Drawing(
        pieces=[Piece("poly", body)],
        details=[
            Detail("line", [(0.40, 0.182), (0.50, 0.197), (0.60, 0.182)], tone="light", width=0.01),
            Detail("line", [(0.735, 0.425), (0.797, 0.39)], tone="dark", width=0.004),
            Detail("line", [(0.265, 0.425), (0.203, 0.39)], tone="dark", width=0.004),
        ],
        behind=_hanger(0.18),
    )


def _shirt() -> Drawing:
    body = [
        (0.450, 0.160), (0.50, 0.185), (0.550, 0.160), (0.660, 0.190), (0.740, 0.300),
        (0.820, 0.700), (0.760, 0.720), (0.680, 0.400), (0.670, 0.840), (0.585, 0.860),
        (0.500, 0.850), (0.415, 0.860), (0.330, 0.840), (0.320, 0.400), (0.240, 0.720),
        (0.180, 0.700), (0.260, 0.300), (0.340, 0.190),
    ]  # fmt: skip
    return Drawing(
        pieces=[
            Piece("poly", body),
            Piece("poly", [(0.450, 0.150), (0.505, 0.215), (0.470, 0.250), (0.415, 0.175)]),
            Piece("poly", [(0.550, 0.150), (0.495, 0.215), (0.530, 0.250), (0.585, 0.175)]),
        ],
        details=[
            Detail("line", [(0.50, 0.215), (0.50, 0.85)], tone="dark", width=0.003),
            Detail("dots", [(0.515, 0.27 + 0.085 * i) for i in range(7)], tone="white"),
            Detail("line", [(0.763, 0.672), (0.815, 0.655)], tone="dark", width=0.004),
            Detail("line", [(0.237, 0.672), (0.185, 0.655)], tone="dark", width=0.004),
            Detail("line", [(0.60, 0.30), (0.64, 0.30)], tone="dark", width=0.003),
        ],
        behind=_hanger(0.165),
    )


def _jumper() -> Drawing:
    body = [
        (0.430, 0.175), (0.50, 0.195), (0.570, 0.175), (0.670, 0.205), (0.750, 0.320),
        (0.800, 0.690), (0.730, 0.705), (0.680, 0.420), (0.670, 0.800), (0.330, 0.800),
        (0.320, 0.420), (0.270, 0.705), (0.200, 0.690), (0.250, 0.320), (0.330, 0.205),
    ]  # fmt: skip
    return Drawing(
        pieces=[
            Piece("poly", body),
            Piece("poly", [(0.335, 0.785), (0.665, 0.785), (0.668, 0.840), (0.332, 0.840)]),
            Piece("poly", [(0.728, 0.690), (0.800, 0.675), (0.810, 0.730), (0.735, 0.745)]),
            Piece("poly", [(0.272, 0.690), (0.200, 0.675), (0.190, 0.730), (0.265, 0.745)]),
        ],
        details=[
            Detail("line", [(0.43, 0.182), (0.50, 0.207), (0.57, 0.182)], tone="dark", width=0.012),
            *[
                Detail("line", [(x, 0.79), (x, 0.835)], tone="dark", width=0.002)
                for x in [0.345 + 0.012 * i for i in range(27)]
            ],
        ],
        behind=_hanger(0.18),
    )


def _tote_leather() -> Drawing:
    body = [(0.270, 0.400), (0.730, 0.400), (0.775, 0.840), (0.225, 0.840)]
    stitches = [
        Detail("line", [(0.29 + 0.028 * i, 0.425), (0.305 + 0.028 * i, 0.425)], tone="light")
        for i in range(15)
    ]
    return Drawing(
        pieces=[Piece("poly", body)],
        details=[
            *stitches,
            Detail("arc", [0.34, 0.19, 0.66, 0.61], tone="dark", width=0.020, start=180, end=360),
            Detail("dots", [(0.345, 0.40), (0.655, 0.40)], tone="metal", radius=0.012),
            Detail("line", [(0.50, 0.40), (0.50, 0.47)], tone="dark", width=0.006),
            Detail("dots", [(0.50, 0.475)], tone="metal", radius=0.011),
        ],
        behind=[
            Detail("arc", [0.37, 0.22, 0.63, 0.58], tone="deep", width=0.018, start=180, end=360)
        ],
    )


def _tote_canvas() -> Drawing:
    body = [(0.285, 0.370), (0.715, 0.370), (0.715, 0.860), (0.285, 0.860)]
    return Drawing(
        pieces=[
            Piece("arc", [0.360, 0.100, 0.640, 0.640], width=0.026, start=180, end=360),
            Piece("poly", body),
        ],
        details=[
            Detail("line", [(0.285, 0.395), (0.715, 0.395)], tone="dark", width=0.003),
            Detail("arc", [0.42, 0.52, 0.58, 0.68], tone="ink", width=0.012, start=180, end=360),
            Detail("line", [(0.40, 0.60), (0.60, 0.60)], tone="ink", width=0.008),
            Detail("text", [(0.50, 0.68)], tone="ink", text="SOUK"),
        ],
    )


def _rotated(points: Sequence[Point], degrees: float, centre: Point = (0.5, 0.5)) -> list[Point]:
    angle = math.radians(degrees)
    cx, cy = centre
    cos, sin = math.cos(angle), math.sin(angle)
    return [
        (cx + (x - cx) * cos - (y - cy) * sin, cy + (x - cx) * sin + (y - cy) * cos)
        for x, y in points
    ]


def _square(half: float) -> list[Point]:
    return [
        (0.5 - half, 0.5 - half),
        (0.5 + half, 0.5 - half),
        (0.5 + half, 0.5 + half),
        (0.5 - half, 0.5 + half),
    ]


def _scarf() -> Drawing:
    turn = 14
    corners = _rotated([(0.5 + dx, 0.5 + dy) for dx in (-0.25, 0.25) for dy in (-0.25, 0.25)], turn)
    return Drawing(
        pieces=[Piece("poly", _rotated(_square(0.31), turn))],
        details=[
            Detail("poly", _rotated(_square(0.285), turn), tone="accent", width=0.008),
            Detail("poly", _rotated(_square(0.255), turn), tone="accent", width=0.003),
            Detail("ellipse", [0.41, 0.41, 0.59, 0.59], tone="accent", width=0.010),
            Detail("ellipse", [0.45, 0.45, 0.55, 0.55], tone="accent", width=0.006),
            Detail("dots", corners, tone="accent", radius=0.022),
        ],
    )


def _belt() -> Drawing:
    turn = -16
    strap = [(0.16, 0.465), (0.80, 0.465), (0.86, 0.50), (0.80, 0.535), (0.16, 0.535)]
    holes = [(0.63 + 0.035 * i, 0.50) for i in range(5)]
    return Drawing(
        pieces=[Piece("poly", _rotated(strap, turn))],
        details=[
            Detail(
                "poly",
                _rotated([(0.13, 0.445), (0.23, 0.445), (0.23, 0.555), (0.13, 0.555)], turn),
                tone="metal",
                width=0.016,
            ),
            Detail("line", _rotated([(0.14, 0.50), (0.25, 0.50)], turn), tone="metal", width=0.01),
            Detail("dots", _rotated(holes, turn), tone="ink", radius=0.008),
            Detail(
                "poly",
                _rotated([(0.29, 0.458), (0.33, 0.458), (0.33, 0.542), (0.29, 0.542)], turn),
                tone="dark",
                width=0.006,
            ),
        ],
    )


def _flat() -> Drawing:
    upper = [
        (0.200, 0.600), (0.205, 0.540), (0.240, 0.515), (0.330, 0.548), (0.450, 0.566),
        (0.580, 0.552), (0.680, 0.536), (0.760, 0.548), (0.820, 0.575), (0.850, 0.610),
        (0.840, 0.642), (0.800, 0.658), (0.300, 0.664), (0.220, 0.652),
    ]  # fmt: skip
    lining = [
        (0.245, 0.524),
        (0.330, 0.552),
        (0.450, 0.570),
        (0.580, 0.556),
        (0.665, 0.541),
        (0.560, 0.560),
        (0.450, 0.585),
        (0.320, 0.575),
        (0.255, 0.550),
    ]
    return Drawing(
        pieces=[Piece("poly", upper)],
        details=[
            Detail("poly", lining, tone="deep", width=0),
            Detail(
                "line",
                [(0.215, 0.654), (0.30, 0.666), (0.80, 0.660), (0.840, 0.644)],
                tone="deep",
                width=0.010,
            ),
            Detail("poly", [(0.640, 0.543), (0.675, 0.525), (0.675, 0.561)], tone="dark", width=0),
            Detail("poly", [(0.710, 0.543), (0.675, 0.525), (0.675, 0.561)], tone="dark", width=0),
        ],
    )


def _sneaker() -> Drawing:
    upper = [
        (0.200, 0.620), (0.190, 0.520), (0.210, 0.460), (0.270, 0.445), (0.350, 0.470),
        (0.400, 0.430), (0.450, 0.400), (0.490, 0.410), (0.530, 0.450), (0.660, 0.500),
        (0.760, 0.520), (0.830, 0.545), (0.860, 0.580), (0.860, 0.620),
    ]  # fmt: skip
    eyelets = [(0.545 + 0.03 * i, 0.462 + 0.0115 * i) for i in range(4)]
    laces = [
        Detail("line", [(x - 0.012, y - 0.028), (x + 0.016, y + 0.008)], tone="lace", width=0.007)
        for x, y in eyelets
    ]
    return Drawing(
        pieces=[
            Piece("poly", upper),
            Piece(
                "poly",
                [(0.190, 0.600), (0.188, 0.530), (0.212, 0.458), (0.270, 0.445), (0.300, 0.600)],
                colour="heel",
            ),
            Piece(
                "poly",
                [
                    (0.185, 0.605),
                    (0.865, 0.605),
                    (0.878, 0.632),
                    (0.862, 0.662),
                    (0.200, 0.662),
                    (0.182, 0.636),
                ],
                colour="sole",
            ),
        ],
        details=[
            *laces,
            Detail("line", [(0.530, 0.450), (0.665, 0.500)], tone="dark", width=0.004),
            Detail(
                "arc", [0.740, 0.515, 0.900, 0.700], tone="dark", width=0.004, start=180, end=255
            ),
            Detail("line", [(0.188, 0.640), (0.872, 0.640)], tone="dark", width=0.003),
        ],
    )


def _sandal() -> Drawing:
    """One sandal seen from above (a right foot); shown as a mirrored pair."""
    sole = [
        (0.500, 0.180), (0.560, 0.190), (0.600, 0.230), (0.615, 0.300), (0.610, 0.400),
        (0.590, 0.500), (0.585, 0.600), (0.580, 0.700), (0.560, 0.770), (0.520, 0.800),
        (0.480, 0.800), (0.440, 0.770), (0.420, 0.700), (0.415, 0.600), (0.410, 0.500),
        (0.395, 0.400), (0.385, 0.300), (0.400, 0.230), (0.440, 0.190),
    ]  # fmt: skip
    footbed = [(x * 0.86 + 0.07, y * 0.9 + 0.049) for x, y in sole]
    return Drawing(
        pieces=[
            Piece("poly", sole, colour=(232, 212, 176)),
            Piece("poly", [(0.370, 0.330), (0.630, 0.290), (0.635, 0.350), (0.378, 0.392)]),
            Piece("poly", [(0.385, 0.450), (0.615, 0.440), (0.612, 0.495), (0.390, 0.505)]),
            Piece("poly", [(0.400, 0.640), (0.600, 0.640), (0.598, 0.690), (0.402, 0.690)]),
        ],
        details=[
            Detail("poly", footbed, tone="cork", width=0.003),
            Detail(
                "poly",
                [(0.585, 0.632), (0.625, 0.632), (0.625, 0.698), (0.585, 0.698)],
                tone="metal",
                width=0.008,
            ),
        ],
    )


_SHAPES: dict[str, Callable[[], Drawing]] = {
    "dress-wrap": _dress_wrap,
    "dress-sun": _dress_sun,
    "dress-maxi": _dress_maxi,
    "tee": _tee,
    "shirt": _shirt,
    "jumper": _jumper,
    "tote-leather": _tote_leather,
    "tote-canvas": _tote_canvas,
    "scarf": _scarf,
    "belt": _belt,
    "flat": _flat,
    "sneaker": _sneaker,
    "sandal": _sandal,
}
# Shoes are shown as pairs: seen from the side, the second one is behind, up and to the left
# (in its shade); seen from above, the left one mirrors the right.
_PAIRS_BEHIND = {"flat", "sneaker"}
_PAIRS_SIDE_BY_SIDE = {"sandal"}
SHAPES = frozenset(_SHAPES)
PATTERNS = frozenset({"plain", "stripes", "floral", "knit", "braid", "weave", "dots"})


# --- Fills -----------------------------------------------------------------------------------


def _fill(colour: RGB, pattern: str, accent: RGB, rng: random.Random) -> Image.Image:
    """The material, lit from the left: a gradient of the colour with the pattern on it."""
    layer = _gradient(_lighter(colour, 0.16), _darker(colour, 0.18), horizontal=True)
    draw = ImageDraw.Draw(layer)
    step = _W // 40
    if pattern == "stripes":
        for y in range(0, _W, step * 2):
            draw.rectangle((0, y, _W, y + int(step * 0.8)), fill=accent)
    elif pattern == "floral":
        petals = [_lighter(accent, 0.1), _mix(accent, (250, 240, 220), 0.55), (250, 246, 236)]
        for _ in range(220):
            cx, cy = rng.uniform(0, _W), rng.uniform(0, _W)
            radius = rng.uniform(0.010, 0.018) * _W
            petal = rng.choice(petals)
            turn = rng.uniform(0, math.tau)
            for k in range(5):
                a = turn + k * math.tau / 5
                px, py = cx + math.cos(a) * radius, cy + math.sin(a) * radius
                draw.ellipse(
                    (px - radius * 0.7, py - radius * 0.7, px + radius * 0.7, py + radius * 0.7),
                    fill=petal,
                )
            draw.ellipse(
                (cx - radius * 0.4, cy - radius * 0.4, cx + radius * 0.4, cy + radius * 0.4),
                fill=(236, 190, 70),
            )
            leaf = rng.uniform(0, math.tau)
            lx, ly = cx + math.cos(leaf) * radius * 2, cy + math.sin(leaf) * radius * 2
            draw.ellipse(
                (lx - radius * 0.5, ly - radius * 0.3, lx + radius * 0.5, ly + radius * 0.3),
                fill=_darker(colour, 0.35),
            )
    elif pattern == "knit":
        for x in range(0, _W, step // 2):
            draw.line((x, 0, x, _W), fill=_darker(colour, 0.10), width=max(2, step // 8))
    elif pattern in ("braid", "weave"):
        tone = _darker(colour, 0.22)
        for d in range(-_W, _W, step // 2):
            draw.line((d, 0, d + _W, _W), fill=tone, width=max(2, step // 10))
            if pattern == "weave":
                draw.line((d + _W, 0, d, _W), fill=tone, width=max(2, step // 10))
    elif pattern == "dots":
        for y in range(step // 2, _W, step):
            for x in range(step // 2 + (y // step % 2) * step // 2, _W, step):
                draw.ellipse(
                    (x - step * 0.12, y - step * 0.12, x + step * 0.12, y + step * 0.12),
                    fill=accent,
                )
    return layer


def _tone(name: str, colour: RGB, accent: RGB) -> RGB:
    return {
        "dark": _darker(colour, 0.35),
        "deep": _darker(colour, 0.55),
        "light": _lighter(colour, 0.45),
        "accent": accent,
        "metal": _METAL,
        "wood": _WOOD,
        "ink": (40, 40, 46),
        "white": (250, 248, 242),
        # Rubber soles: white under a coloured shoe, gum under a white one.
        "sole": (248, 246, 240) if _luminance(colour) < 0.72 else (206, 152, 96),
        "heel": _darker(colour, 0.12) if _luminance(colour) < 0.72 else (206, 152, 96),
        "cork": (176, 138, 92),
        "lace": (250, 248, 242) if _luminance(colour) < 0.72 else (96, 96, 104),
    }[name]


def _draw_detail(draw: ImageDraw.ImageDraw, detail: Detail, colour: RGB, accent: RGB):
    fill = _tone(detail.tone, colour, accent)
    width = max(1, round(detail.width * _W))
    if detail.kind == "line":
        draw.line(_px(detail.coords), fill=fill, width=width, joint="curve")
    elif detail.kind == "dots":
        r = detail.radius * _W
        for x, y in _px(detail.coords):
            draw.ellipse((x - r, y - r, x + r, y + r), fill=fill)
    elif detail.kind == "poly":
        if detail.width:
            draw.polygon(_px(detail.coords), outline=fill, width=width)
        else:
            draw.polygon(_px(detail.coords), fill=fill)
    elif detail.kind == "ellipse":
        draw.ellipse(_box(*detail.coords), outline=fill, width=width)
    elif detail.kind == "arc":
        draw.arc(_box(*detail.coords), detail.start, detail.end, fill=fill, width=width)
    elif detail.kind == "text":
        ((x, y),) = _px(detail.coords)
        draw.text((x, y), detail.text, fill=fill, font=_font(0.05), anchor="mm")


def _draw_piece(draw: ImageDraw.ImageDraw, piece: Piece, fill, outline=None, width: int = 0):
    if piece.kind == "poly":
        draw.polygon(_px(piece.coords), fill=fill, outline=outline, width=width)
    elif piece.kind == "ellipse":
        draw.ellipse(_box(*piece.coords), fill=fill, outline=outline, width=width)
    elif piece.kind == "band":
        line_width = round(piece.width * _W)
        draw.line(
            _px(piece.coords), fill=outline or fill, width=line_width + 2 * width, joint="curve"
        )
        if outline is not None:
            draw.line(_px(piece.coords), fill=fill, width=line_width, joint="curve")
    elif piece.kind == "arc":
        line_width = round(piece.width * _W)
        box = _box(*piece.coords)
        if outline is not None:
            outer = (box[0] - width, box[1] - width, box[2] + width, box[3] + width)
            draw.arc(outer, piece.start, piece.end, fill=outline, width=line_width + 2 * width)
        draw.arc(box, piece.start, piece.end, fill=fill, width=line_width)


def _font(size: float):
    # Pillow's bundled FreeType font: identical on every machine, no system fonts needed.
    return ImageFont.load_default(size=round(size * _W))


def _moved(drawing: Drawing, dx: float, dy: float, *, mirror: bool = False) -> Drawing:
    """`drawing` translated (and mirrored left-right); ellipse/arc boxes are only translated."""

    def point(x: float, y: float) -> Point:
        return ((1 - x if mirror else x) + dx, y + dy)

    def move(coords: list) -> list:
        if coords and not isinstance(coords[0], tuple):  # an ellipse or arc bounding box
            x0, y0, x1, y1 = coords
            return [x0 + dx, y0 + dy, x1 + dx, y1 + dy]
        return [point(x, y) for x, y in coords]

    return Drawing(
        pieces=[
            Piece(p.kind, move(p.coords), p.width, p.start, p.end, p.colour, p.outline)
            for p in drawing.pieces
        ],
        details=[
            Detail(d.kind, move(d.coords), d.tone, d.width, d.start, d.end, d.radius, d.text)
            for d in drawing.details
        ],
        behind=[],
    )


def _backdrop(colour: RGB, rng: random.Random) -> tuple[RGB, RGB]:
    choices = _DEEP_BACKDROPS if _luminance(colour) > 0.72 else _LIGHT_BACKDROPS
    return rng.choice(choices)


def _compose(
    drawing_layers: list[tuple[Drawing, float]],
    *,
    colour: RGB,
    accent: RGB,
    pattern: str,
    seed: str,
) -> Image.Image:
    rng = _rng(seed)
    top, bottom = _backdrop(colour, rng)
    canvas = _gradient(top, bottom)
    fill = _fill(colour, pattern, accent, rng)
    draw = ImageDraw.Draw(canvas)
    for drawing, _ in drawing_layers:
        for detail in drawing.behind:
            _draw_detail(draw, detail, colour, accent)

    # One soft drop shadow for the whole item, cast down and to the right as under a softbox.
    union = Image.new("L", (_W, _W), 0)
    union_draw = ImageDraw.Draw(union)
    for drawing, _ in drawing_layers:
        for piece in drawing.pieces:
            _draw_piece(union_draw, piece, 255)
    canvas = _drop_shadow(canvas, union, _darker(bottom, 0.45))
    draw = ImageDraw.Draw(canvas)

    outline_width = round(0.0035 * _W)
    for drawing, shade in drawing_layers:
        # The pair's back shoe is in the shade of the front one.
        material = fill if not shade else Image.blend(fill, Image.new("RGB", fill.size), shade)
        body = _darker(colour, shade)
        for piece in drawing.pieces:
            if piece.colour is None:
                mask = Image.new("L", (_W, _W), 0)
                _draw_piece(ImageDraw.Draw(mask), piece, 255)
                canvas.paste(material, mask=mask)
                own = body
            else:
                own = piece.colour
                if isinstance(own, str):
                    own = _tone(own, colour, accent)
                own = _darker(own, shade)
                _draw_piece(draw, piece, own)
            if piece.outline:
                _outline_piece(draw, piece, _darker(own, 0.4), outline_width)
        for detail in drawing.details:
            _draw_detail(draw, detail, body, accent)

    brand_colour = _darker(bottom, 0.35)
    draw.text(
        (_W / 2, _W * 0.965),
        "M A I S O N   S O U K",
        fill=brand_colour,
        font=_font(0.018),
        anchor="mm",
    )
    return canvas


def _drop_shadow(canvas: Image.Image, mask: Image.Image, colour: RGB) -> Image.Image:
    small = mask.resize((_W // 16, _W // 16), Image.Resampling.BILINEAR)
    small = small.filter(ImageFilter.GaussianBlur(3))
    shadow = small.resize((_W, _W), Image.Resampling.BILINEAR)
    shadow = ImageChops.offset(shadow, round(0.012 * _W), round(0.018 * _W))
    shadow = shadow.point(lambda v: v * 0.45)
    return Image.composite(Image.new("RGB", (_W, _W), colour), canvas, shadow)


def _outline_piece(draw: ImageDraw.ImageDraw, piece: Piece, colour: RGB, width: int) -> None:
    if piece.kind == "poly":
        draw.polygon(_px(piece.coords), outline=colour, width=width)
    elif piece.kind == "ellipse":
        draw.ellipse(_box(*piece.coords), outline=colour, width=width)
    # Bands and arcs are thin straps: an outline would only muddy them.


def _to_upload(image: Image.Image, name: str) -> SimpleUploadedFile:
    final = image.reduce(_SCALE)
    buffer = io.BytesIO()
    final.save(buffer, format="JPEG", quality=90)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def product_photo(
    *,
    shape: str,
    colour: RGB,
    seed: str,
    name: str,
    pattern: str = "plain",
    accent: RGB | None = None,
) -> SimpleUploadedFile:
    """A SIZE x SIZE JPEG of the item `shape` in `colour` (and `pattern` in `accent`)."""
    if shape not in _SHAPES:
        raise ValueError(f"Unknown shape {shape!r}; known: {sorted(_SHAPES)}")
    if pattern not in PATTERNS:
        raise ValueError(f"Unknown pattern {pattern!r}; known: {sorted(PATTERNS)}")
    accent = accent or _lighter(colour, 0.6)
    drawing = _SHAPES[shape]()
    layers = [(drawing, 0.0)]
    if shape in _PAIRS_BEHIND:
        layers = [(_moved(drawing, -0.05, -0.11), 0.18), (_moved(drawing, 0.0, 0.03), 0.0)]
    elif shape in _PAIRS_SIDE_BY_SIDE:
        layers = [
            (_moved(drawing, -0.15, 0.0, mirror=True), 0.0),
            (_moved(drawing, 0.15, 0.0), 0.0),
        ]
    image = _compose(layers, colour=colour, accent=accent, pattern=pattern, seed=seed)
    return _to_upload(image, name)


def fabric_detail(
    *,
    colour: RGB,
    seed: str,
    name: str,
    label: str,
    pattern: str = "plain",
    accent: RGB | None = None,
) -> SimpleUploadedFile:
    """A close-up of the material with soft folds and a woven label reading `label`."""
    if pattern not in PATTERNS:
        raise ValueError(f"Unknown pattern {pattern!r}; known: {sorted(PATTERNS)}")
    rng = _rng(seed)
    accent = accent or _lighter(colour, 0.6)
    canvas = _fill(colour, pattern, accent, rng)
    # Folds: a few diagonal waves of light and shade, drawn small and blown up so they are soft.
    small = 96
    folds = Image.new("L", (small, small), 0)
    phase = rng.uniform(0, math.tau)
    folds.putdata(
        [
            round(127 + 127 * math.sin((x + y * 0.6) / small * 3 * math.tau / 2 + phase))
            for y in range(small)
            for x in range(small)
        ]
    )
    folds = folds.resize((_W, _W), Image.Resampling.BICUBIC)
    shade = Image.blend(canvas, Image.new("RGB", (_W, _W), (0, 0, 0)), 0.32)
    light = Image.blend(canvas, Image.new("RGB", (_W, _W), (255, 255, 255)), 0.12)
    canvas = Image.composite(light, shade, folds)

    x0, y0, x1, y1 = _box(0.56, 0.70, 0.90, 0.86)
    label_mask = Image.new("L", (_W, _W), 0)
    ImageDraw.Draw(label_mask).rounded_rectangle((x0, y0, x1, y1), radius=18, fill=255)
    canvas = _drop_shadow(canvas, label_mask, _darker(colour, 0.6))
    draw = ImageDraw.Draw(canvas)
    draw.rounded_rectangle(
        (x0, y0, x1, y1), radius=18, fill=(246, 242, 232), outline=(200, 190, 170), width=6
    )
    draw.text(
        ((x0 + x1) / 2, y0 + (y1 - y0) * 0.36),
        "MAISON SOUK",
        fill=(40, 40, 46),
        font=_font(0.03),
        anchor="mm",
    )
    draw.text(
        ((x0 + x1) / 2, y0 + (y1 - y0) * 0.70),
        label,
        fill=(110, 100, 90),
        font=_font(0.022),
        anchor="mm",
    )
    return _to_upload(canvas, name)
