"""Top entries of a py-spy profile (`py-spy record --format raw`: one collapsed stack a line,
"frame;frame;... count"), as a flame graph would show them, in text.

    .venv/bin/python -m bench.flame /tmp/celery.raw [--top 25] [--match souk]

Frames are "function (path/file.py:line)"; the line is dropped so that a function's samples add
up whatever line they were on. "inclusive" is the share of samples with the function anywhere
on the stack (a flame graph's bar width), "own" the share where it is the innermost frame.
Samples of idle threads (py-spy's --idle) are not in the file by default; each sample is one
thread seen running (or holding the GIL with --gil) at that instant.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

_LINE = re.compile(r":\d+\)$")


@dataclass(frozen=True)
class Entry:
    function: str
    inclusive: float  # share of all samples, 0..1
    own: float


def _frame(text: str) -> str:
    return _LINE.sub(")", text.strip())


def top_entries(path: Path, *, top: int = 25, match: str = "") -> tuple[int, list[Entry]]:
    """(total samples, the `top` functions by inclusive share, optionally only frames whose
    text contains `match`)."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples = int(count)
        total += samples
        frames = [_frame(f) for f in stack.split(";") if not f.startswith(("process ", "thread "))]
        if not frames:
            continue
        own[frames[-1]] += samples
        for frame in set(frames):
            inclusive[frame] += samples
    if not total:
        return 0, []
    chosen = [f for f in inclusive if match in f] if match else list(inclusive)
    chosen.sort(key=lambda f: (-inclusive[f], -own[f]))
    return total, [Entry(f, inclusive[f] / total, own[f] / total) for f in chosen[:top]]


def top_own(path: Path, *, top: int = 15) -> tuple[int, list[Entry]]:
    """The functions where the samples were taken (innermost frames), most first."""
    total, entries = top_entries(path, top=10**6)
    entries.sort(key=lambda e: -e.own)
    return total, entries[:top]


def print_entries(total: int, entries: list[Entry]) -> None:
    print(f"{total} samples")
    print(f"{'inclusive':>9}  {'own':>6}  function")
    for entry in entries:
        print(f"{100 * entry.inclusive:8.1f}%  {100 * entry.own:5.1f}%  {entry.function}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.flame", description=__doc__)
    parser.add_argument("raw", type=Path, help="py-spy record --format raw output")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--match", default="", help="only frames containing this text")
    parser.add_argument("--own", action="store_true", help="sort by own samples instead")
    args = parser.parse_args(argv)
    if args.own:
        total, entries = top_own(args.raw, top=args.top)
    else:
        total, entries = top_entries(args.raw, top=args.top, match=args.match)
    print_entries(total, entries)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
