"""Compiles the .po files under LOCALE_PATHS into the .mo files Django reads, with Babel, so a
fresh machine needs no GNU gettext. The .mo are build products (.gitignore): `make install` and
the test session compile them, and only when a .po is newer than its .mo."""

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po


def compile_catalogs(locale_paths, *, force: bool = False) -> list[Path]:
    compiled = []
    for root in locale_paths:
        for po_path in sorted(Path(root).glob("*/LC_MESSAGES/*.po")):
            mo_path = po_path.with_suffix(".mo")
            if (
                not force
                and mo_path.exists()
                and mo_path.stat().st_mtime >= po_path.stat().st_mtime
            ):
                continue
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file, locale=po_path.parent.parent.name, abort_invalid=True)
            with mo_path.open("wb") as mo_file:
                write_mo(mo_file, catalog, use_fuzzy=False)
            compiled.append(mo_path)
    return compiled


if __name__ == "__main__":
    # `python -m config.locale_compile`: no settings needed (make install runs before any .env).
    for path in compile_catalogs([Path(__file__).resolve().parent.parent / "locale"]):
        print(f"compiled {path}")
