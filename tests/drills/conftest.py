"""The drills' reduced sizes, run in CI. A drill's stack needs redis-server and PostgreSQL's
server binaries on this machine (not the shared services): missing, the test fails under
REQUIRE_SERVICES=1 (CI) and is skipped elsewhere."""

import argparse
import importlib

import pytest

from bench.drills.platform import Numbering
from bench.drills.stack import Stack, missing_binaries
from tests.conftest import needs_service


@pytest.fixture(scope="module")
def stack():
    missing = missing_binaries()
    needs_service("; ".join(missing) or "drill binaries", not missing)
    with Stack() as running:
        running.numbering = Numbering()
        yield running


def drill_args(name: str, **overrides) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    importlib.import_module(f"bench.drills.{name}").add_arguments(parser)
    args = parser.parse_args([])
    for key, value in overrides.items():
        setattr(args, key, value)
    return args


def run_drill(stack: Stack, name: str, **overrides):
    """Runs the drill on the shared stack; returns its verdicts (printed for `pytest -s`)."""
    module = importlib.import_module(f"bench.drills.{name}")
    verdicts = module.run(stack, stack.numbering, drill_args(name, **overrides))
    for verdict in verdicts:
        print(verdict.report())
    return verdicts
