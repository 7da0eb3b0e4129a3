"""Group commit: the webhooks that arrive together are stored by one INSERT.

The web server runs each worker's requests in a pool of threads (config/web.py), so several
webhook requests of one process wait on PostgreSQL at the same moment. Each paying for its own
statement, commit, WAL flush and Redis push is most of what intake costs (docs/performance.md,
`intake`). Here the first request to arrive leads: it writes its rows and those of every
request that queued while a write was in flight, in one autocommitted statement on its own
connection, pushes all their tasks at once, then hands each request its new ids and the lead
to the next queued request, if any. No thread of our own and no timer: a request that finds
nobody writing writes at once, so a lone request (one thread, a quiet night) costs what it did
before, and a batch is exactly what piled up behind the previous write. Measured in
bench/intake with 8 threads per worker: PostgreSQL's CPU per webhook fell from 0.32 to 0.11 ms
and the acknowledgements per second doubled (docs/performance.md, "Issue 12, fourth pass").

Each caller still gets its 200 only after its rows have committed; a failed write fails every
request of its batch (the platform redelivers), never some of them silently.
"""

import copy
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

# write(rows) -> for each row, in order, the id of the row it created or None (not new).
Writer = Callable[[list[tuple]], list[int | None]]


def _held_lock() -> threading.Lock:
    lock = threading.Lock()
    lock.acquire()
    return lock


@dataclass(slots=True, eq=False)
class _Turn:
    rows: Sequence[tuple]
    # Held until the turn's outcome or the lead is handed over: the waiting thread blocks on
    # acquiring it, the writer releases it. A bare lock rather than a threading.Event, whose
    # condition variable (built per turn, notified under its own lock) took a twelfth of the
    # webhook view's CPU samples under load (docs/performance.md, intake, "seventh pass").
    ready: threading.Lock = field(default_factory=_held_lock)
    leads: bool = False
    result: list | None = None
    error: BaseException | None = None

    def outcome(self) -> list[int | None]:
        if self.error is not None:
            raise self.error
        return self.result


class GroupCommit:
    """One per process and writer. `store(rows)` may be called from any number of threads."""

    def __init__(self, write: Writer) -> None:
        self._write = write
        self._lock = threading.Lock()
        self._queued: list[_Turn] = []
        self._writing = False
        self.batches = 0  # writes made, and the rows they carried: for tests and benchmarks
        self.rows = 0

    def store(self, rows: Sequence[tuple]) -> list[int | None]:
        turn = _Turn(rows)
        with self._lock:
            self._queued.append(turn)
            leads = not self._writing
            self._writing = True
        if not leads:
            turn.ready.acquire()
            if not turn.leads:
                return turn.outcome()
        self._write_queued(turn)
        return turn.outcome()

    def _write_queued(self, leader: _Turn) -> None:
        with self._lock:
            batch, self._queued = self._queued, []
        try:
            results = self._write([row for turn in batch for row in turn.rows])
            self.batches += 1
            self.rows += len(results)
            start = 0
            for turn in batch:
                turn.result = results[start : start + len(turn.rows)]
                start += len(turn.rows)
        except BaseException as exc:
            for turn in batch:
                # Each thread raises its own copy: one exception object raised in several
                # threads at once would get their tracebacks mixed.
                turn.error = exc if turn is leader else copy.copy(exc)
        finally:
            with self._lock:
                if self._queued:
                    successor = self._queued[0]
                    successor.leads = True
                    successor.ready.release()
                else:
                    self._writing = False
            for turn in batch:
                if turn is not leader:
                    turn.ready.release()
