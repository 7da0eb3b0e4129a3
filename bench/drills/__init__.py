"""Fault drills: the production stack on private services, a fault, and a count.

    .venv/bin/python -m bench.drills --list
    .venv/bin/python -m bench.drills broker --mode kill --webhooks 60 --fault-seconds 5
    .venv/bin/python -m bench.drills all          # every drill at full size (make drills)
    .venv/bin/python -m bench.drills soak --minutes 10   (make soak)

A drill is a module of this package with `DESCRIPTION`, `add_arguments(parser)` and
`run(stack, numbering, args) -> list[Verdict]`. Each starts its own stack (bench/drills/
stack.py: private PostgreSQL and Redis, the web server, Celery worker and beat, fake platforms),
and ends each scenario with a line "<name>: N lost, M doubled"; the exit status is 1 unless
every scenario has 0 lost, 0 doubled and no other broken promise (see ledger.py).
"""

DRILLS: dict[str, str] = {
    "broker": "bench.drills.broker",
    "worker_kill": "bench.drills.worker_kill",
    "postgres_restart": "bench.drills.postgres_restart",
    "storm": "bench.drills.storm",
    "duplicates": "bench.drills.duplicates",
    "soak": "bench.drills.soak",
}
# `all` runs the fault drills; the soak is long and separate (make soak).
FAULT_DRILLS = ["broker", "worker_kill", "postgres_restart", "storm", "duplicates"]
