"""`python -m bench [name [options]]`: run every benchmark, or one with its options.

.venv/bin/python -m bench                              # all, default options
.venv/bin/python -m bench product_list --products 500  # one
.venv/bin/python -m bench product_list --help          # its options
.venv/bin/python -m bench --list
"""

import argparse
import importlib
import sys
import time

import bench

# The benchmarks that start real servers (the web server, Celery, wrk, python-telegram-bot) on
# PostgreSQL and Redis; after the in-process ones, so `python -m bench` runs them last.
bench.BENCHMARKS.setdefault("intake", "bench.intake")
bench.BENCHMARKS.setdefault("end_to_end", "bench.end_to_end")


def _parser_for(name: str, module) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=f"python -m bench {name}", description=getattr(module, "DESCRIPTION", None)
    )
    module.add_arguments(parser)
    return parser


def main(argv: list[str]) -> int:
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        print("\nbenchmarks: " + ", ".join(bench.BENCHMARKS))
        return 0
    if argv and argv[0] == "--list":
        for name, path in bench.BENCHMARKS.items():
            print(f"{name:16} {importlib.import_module(path).DESCRIPTION}")
        return 0

    if argv and not argv[0].startswith("-"):
        name, options = argv[0], argv[1:]
        if name not in bench.BENCHMARKS:
            print(f"unknown benchmark {name!r}; known: {', '.join(bench.BENCHMARKS)}")
            return 2
        selected = [(name, options)]
    elif argv:
        print("options go after a benchmark's name: python -m bench product_list --help")
        return 2
    else:
        selected = [(name, []) for name in bench.BENCHMARKS]

    # Parse every benchmark's options before the (slow) database setup, so a typo fails fast.
    runs = []
    for name, options in selected:
        module = importlib.import_module(bench.BENCHMARKS[name])
        runs.append((name, module, _parser_for(name, module).parse_args(options)))

    started = time.perf_counter()
    status = 0
    with bench.environment():
        for name, module, args in runs:
            print(f"\n=== {name}: {module.DESCRIPTION}")
            status = max(status, module.run(args))
    print(f"\n(all benchmarks done in {time.perf_counter() - started:.1f} s)")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
