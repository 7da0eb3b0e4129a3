"""`python -m bench.drills <name> [options]`, `python -m bench.drills all`, `--list`."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
import traceback

from bench.drills import DRILLS, FAULT_DRILLS


def _parser(name: str, module) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=f"python -m bench.drills {name}", description=module.__doc__
    )
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--bots", type=int, default=4, help="shops with a Telegram bot each (4)")
    parser.add_argument("--web-workers", type=int, default=2, help="web server workers (2)")
    parser.add_argument("--worker-concurrency", type=int, default=2, help="Celery processes (2)")
    module.add_arguments(parser)
    return parser


def run_drill(name: str, options: list[str]) -> bool:
    from bench.drills.platform import Numbering
    from bench.drills.stack import Stack

    module = importlib.import_module(DRILLS[name])
    args = _parser(name, module).parse_args(options)
    print(f"\n=== {name}: {module.DESCRIPTION}", flush=True)
    with Stack(
        bots=args.bots, web_workers=args.web_workers, worker_concurrency=args.worker_concurrency
    ) as stack:
        print(stack.describe(), flush=True)
        verdicts = module.run(stack, Numbering(), args)
    for verdict in verdicts:
        print(verdict.report(), flush=True)
    return all(v.ok for v in verdicts)


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip() + "\n\ndrills: " + ", ".join(DRILLS) + ", all")
        return 0
    if argv[0] == "--list":
        for name, path in DRILLS.items():
            print(f"{name:18} {importlib.import_module(path).DESCRIPTION}")
        return 0
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
    import django

    django.setup()
    started = time.monotonic()
    if argv[0] == "all":
        names, options = FAULT_DRILLS, argv[1:]
    elif argv[0] in DRILLS:
        names, options = [argv[0]], argv[1:]
    else:
        print(f"unknown drill {argv[0]!r}; known: {', '.join(DRILLS)}, all")
        return 2
    results = {}
    for name in names:
        try:
            results[name] = run_drill(name, options)
        except Exception:
            # one drill that could not run (its stack did not start...) fails, the rest still run
            traceback.print_exc()
            results[name] = False
    print(f"\n(drills done in {time.monotonic() - started:.0f} s)")
    for name, ok in results.items():
        print(f"{name:18} {'passed' if ok else 'FAILED'}")
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
