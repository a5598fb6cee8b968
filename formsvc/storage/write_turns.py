"""Submissions take turns to write; WAL checkpoints happen outside those turns.

Two measured problems on the complaint path (``bench/bench_intake.py``, gunicorn ``-w 2``):

1. When two submissions meet at ``BEGIN IMMEDIATE``, SQLite's busy handler makes the loser
   sleep 1, 2, 5, 10 ... ms although the winner holds the lock for well under a millisecond;
   p99 went past 50 ms with four clients. ``writer_turn`` is a blocking ``flock`` on a file
   beside the database, which wakes the next submitter as soon as the turn is free. Other
   writers (desk, notice worker) still meet the busy timeout as before; this only orders
   submissions.

2. SQLite's automatic checkpoint (copy the WAL into the database, fsync both) runs inside the
   commit that crosses ``store.WAL_AUTOCHECKPOINT_PAGES``, while that submitter still holds its
   turn: about 4 ms every ~100 complaints, which every other submission waited for (commit
   mean 110 µs against a median of 50 µs; commit p99 4.4 ms). ``checkpoint_now_and_then``
   moves that work out of the turn: every ``CHECKPOINT_EVERY`` submissions of a process, once
   the response has been sent, a PASSIVE checkpoint copies the bulk of the WAL while other
   submissions go on, then a second one *inside* a turn copies only the few frames written
   meanwhile. Measured: commit p99 0.36 ms, waits for the turn 100 → 60 µs per complaint.

   Why the second, short checkpoint inside the turn: SQLite starts writing the WAL from its
   beginning again only once every frame in it has been copied. A checkpoint that always runs
   beside writers never catches up under steady load, and the WAL would grow without bound.

The automatic checkpoint stays on for every connection, as the safety net (a process that
stops submitting, a desk or worker writing alone, many more processes than the count below
assumes); with this module it is rarely the one that runs.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import sqlite3
import threading

log = logging.getLogger(__name__)

# Per process. With N processes submitting, the WAL holds at most about N x 25 complaints
# (~10 pages each) between two checkpoints: below the 1,000-page safety net up to 4 processes.
CHECKPOINT_EVERY = 25

_lock_fds: dict[tuple[int, str], int] = {}
_thread_lock = threading.Lock()
_since_checkpoint: dict[tuple[int, str], int] = {}


@contextlib.contextmanager
def writer_turn(database):
    """Wait for our turn to write, across threads and gunicorn workers, without SQLite's busy sleeps."""
    key = (os.getpid(), str(database))
    with _thread_lock:
        fd = _lock_fds.get(key)
        if fd is None:
            fd = _lock_fds[key] = os.open(f"{database}.submit-lock", os.O_RDWR | os.O_CREAT, 0o600)
    with _thread_lock:  # one thread of this process at a time; flock is per open file, not per thread
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)


def checkpoint_now_and_then(conn: sqlite3.Connection, database, every: int | None = None) -> bool:
    """Count one submission; on every ``every``-th of this process, checkpoint the WAL (see above).

    Call after the submission's transaction, outside its turn, ideally after the response was
    sent. Never raises: the complaint is already stored, and a checkpoint that cannot run now
    (another one is running, the disk is full) is left to the next call or to SQLite's own.
    Returns True when it checkpointed.
    """
    every = CHECKPOINT_EVERY if every is None else every
    key = (os.getpid(), str(database))
    count = _since_checkpoint[key] = _since_checkpoint.get(key, 0) + 1
    if every <= 0 or count < every:
        return False
    _since_checkpoint[key] = 0
    try:
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if busy:  # another connection is checkpointing right now: it does the work
            return False
        with writer_turn(database):
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    except sqlite3.Error as e:
        log.warning("WAL checkpoint after a submission failed (SQLite will retry on its own): %s", e)
        return False
    return True
