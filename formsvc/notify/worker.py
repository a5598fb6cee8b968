"""The notice worker: delivers the outbox (``notices``) and runs the periodic duties.

A notice's life: ``pending`` → (claimed) ``sending`` → ``sent``; or back to ``pending`` with a
later ``next_attempt_at`` after a temporary failure; or ``dead`` after a permanent failure or
``NOTICE_MAX_ATTEMPTS`` tries (default 40: with the backoff capped at an hour that rides out
about 34 hours of mail outage). A dead officer notice is told to the county desk by the other
channel (``formsvc.duties.dead_notices``), and can be resent from the desk.

Why it is built this way:
- **Claiming is one write transaction** (``UPDATE ... WHERE id IN (SELECT ...) RETURNING``
  under ``BEGIN IMMEDIATE``): two workers, or two threads, can never claim the same row, so
  they never send the same notice twice.
- **A claim is a lease.** A row left in ``sending`` longer than ``LEASE`` means its worker
  died mid-send; it is claimed again. The attempt is counted at claim time, so a notice
  whose sending kills the worker still ends ``dead`` instead of looping forever.
- **Sending happens outside any transaction** (SMTP may take seconds; the web app must keep
  writing meanwhile), and success is committed in its own tiny transaction right after, so
  the window in which a crash could cause a second send is as small as it can be. The email
  sender's stable Message-ID makes such a rare duplicate recognisable.
- **Backoff with jitter** (30 s, 1 min, 2 min ... capped at 1 h, each ±20 %): a mail server
  that comes back is not hit by every queued notice in the same second.
- **A probe, not only the backoff clock.** A notice that failed because the server could not be
  reached (``Unreachable``) makes the worker skip that channel for the rest of its round and
  probe the server every ``PROBE_EVERY`` (5 s; SMTP: connect, EHLO, NOOP). When it answers, every
  notice that waited for it is due at once: delivery resumes within seconds of the server's
  return, not at the end of an hour's backoff.
- **One notice claimed at a time.** A worker killed mid-round holds only the notice it was
  sending until the lease expires; the rest of the round is free for another worker at once.
- **Sign-in links count from delivery**: a queued ``sign_in`` notice extends its link's expiry
  to ``LINK_MINUTES`` from the moment it is handed over, so a link queued during an outage does
  not arrive expired.
- **A heartbeat the operator can see.** The loop writes the time into ``ops_marks`` (every 5 s, or a
  quarter of ``READY_HEARTBEAT_SECONDS`` if that is shorter) and, under systemd, pings its watchdog: ``/readyz`` and ``/metrics`` tell a worker
  that stopped from one with nothing to do. Deliveries, failed attempts and deaths are counted per
  channel in the same transaction that records them (``ops_counters``).
- **Logs name the notice, the case and the channel, never the recipient**: a worker's SMS goes to
  the worker's own mobile, and logs travel further than the database.
- The clock, the random source and the sender map are parameters, so tests drive time and
  use real SMTP servers on loopback.
"""

from __future__ import annotations

import logging
import os
import random
import signal
import socket
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlite_utils

from wagesafe.config import Config

from formsvc.storage import ops_marks, store
from .notifiers import DeliveryError, PermanentFailure, Sender, TemporaryFailure, Unreachable
from formsvc.storage.store import iso, utcnow

log = logging.getLogger("wagesafe.worker")

LEASE = timedelta(minutes=5)
FIRST_DELAY_SECONDS = 30
MAX_DELAY_SECONDS = 3600
JITTER = 0.2
BATCH = 20
TICK_EVERY = timedelta(minutes=1)
MAX_ERROR_CHARS = 500
PROBE_EVERY = timedelta(seconds=5)
UNREACHABLE_MARK = ": Unreachable: "  # in last_error: the notice waits for its server, not for itself
LINK_MINUTES = 15  # formsvc.officers.auth.LINK_MINUTES (notify sits below officers: not imported)


@dataclass
class RunResult:
    """What one ``run_once`` did: how many notices were sent, put back for a retry, or given up."""

    sent: int = 0
    retried: int = 0
    dead: int = 0
    unreachable: set = field(default_factory=set, compare=False)  # channels whose server did not answer

    @property
    def claimed(self) -> int:
        return self.sent + self.retried + self.dead


def worker_id() -> str:
    """Who holds a claim: host, process and a random part (threads of one process differ too)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def backoff(attempts: int, rng: random.Random | None = None) -> timedelta:
    """The wait after the ``attempts``-th failed try: 30 s doubling per try, ±20 % jitter, at most 1 h."""
    base = min(FIRST_DELAY_SECONDS * 2 ** max(attempts - 1, 0), MAX_DELAY_SECONDS)
    factor = 1 + (rng or random).uniform(-JITTER, JITTER)
    return timedelta(seconds=min(base * factor, MAX_DELAY_SECONDS))


def _rows(cursor) -> list[dict]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def claim(db: sqlite_utils.Database, now: datetime, claimer: str, *, limit: int = BATCH,
          max_attempts: int = 8, lease: timedelta = LEASE, skip_channels=()) -> list[dict]:
    """Atomically take up to ``limit`` due notices (pending and due, or sending with an expired lease),
    none of a channel in ``skip_channels``.

    A row whose lease expired after its last allowed attempt is marked dead here instead.
    """
    now_s, stale_s = iso(now), iso(now - lease)
    skip = "".join(f" AND channel != '{c}'" for c in skip_channels if c in ("email", "sms"))
    with store.write_transaction(db):
        died = db.conn.execute(
            "UPDATE notices SET status = 'dead', last_error = ?"
            " WHERE status = 'sending' AND claimed_at <= ? AND attempts >= ? RETURNING channel",
            (f"the worker stopped during the last allowed attempt (lease of {lease} expired)", stale_s,
             max_attempts)).fetchall()
        for (channel,) in died:
            ops_marks.count(db, "notice_deaths", channel)
        cursor = db.conn.execute(
            "UPDATE notices SET status = 'sending', claimed_at = ?, claimed_by = ?, attempts = attempts + 1"
            " WHERE id IN (SELECT id FROM notices"
            "   WHERE ((status = 'pending' AND next_attempt_at <= ?) OR (status = 'sending' AND claimed_at <= ?))"
            f"  {skip} ORDER BY next_attempt_at, id LIMIT ?)"
            " RETURNING *",
            (now_s, claimer, now_s, stale_s, limit))
        rows = _rows(cursor)
    return sorted(rows, key=lambda r: r["id"])


def mark_sent(db: sqlite_utils.Database, notice_id: int, now: datetime) -> None:
    """Record a success at once, in its own transaction (whoever holds the claim: it *was* sent)."""
    with store.write_transaction(db):
        sent = db.conn.execute("UPDATE notices SET status = 'sent', sent_at = ?, last_error = '' WHERE id = ?"
                               " AND status != 'sent' RETURNING channel", (iso(now), notice_id)).fetchone()
        if sent:
            ops_marks.count(db, "notice_deliveries", sent[0])


def mark_failed(db: sqlite_utils.Database, notice: Mapping, now: datetime, error: DeliveryError, claimer: str, *,
                max_attempts: int = 8, rng: random.Random | None = None) -> str:
    """Put the notice back for a retry, or mark it dead; return the new status (the county desk hears
    of a dead officer notice by the other channel: ``formsvc.duties.dead_notices``).

    Only the claim's holder may do this: if the lease expired and another worker took the
    row meanwhile, that worker's outcome stands.
    """
    message = f"attempt {notice['attempts']}: {type(error).__name__}: {error}"[:MAX_ERROR_CHARS]
    dead = isinstance(error, PermanentFailure) or notice["attempts"] >= max_attempts
    with store.write_transaction(db):
        if dead:
            cur = db.conn.execute("UPDATE notices SET status = 'dead', last_error = ?"
                                  " WHERE id = ? AND status = 'sending' AND claimed_by = ?",
                                  (message, notice["id"], claimer))
        else:
            cur = db.conn.execute("UPDATE notices SET status = 'pending', last_error = ?, next_attempt_at = ?"
                                  " WHERE id = ? AND status = 'sending' AND claimed_by = ?",
                                  (message, iso(now + backoff(notice["attempts"], rng)), notice["id"], claimer))
        if cur.rowcount:
            ops_marks.count(db, "notice_failures", notice["channel"])
            if dead:
                ops_marks.count(db, "notice_deaths", notice["channel"])
    return "dead" if dead else "pending"


def refresh_sign_in_link(db: sqlite_utils.Database, notice: Mapping, now: datetime) -> None:
    """A sign-in link is valid ``LINK_MINUTES`` from its delivery: one queued during an outage is
    extended as it is handed over (never shortened; a used link stays used)."""
    import hashlib
    import re

    found = re.search(r"/desk/login/([A-Za-z0-9_\-]+)", notice.get("body") or "")
    if notice.get("kind") != "sign_in" or not found:
        return
    token_hash = hashlib.sha256(found.group(1).encode()).hexdigest()  # as formsvc.officers.auth stores it
    until = iso(now + timedelta(minutes=LINK_MINUTES))
    with store.write_transaction(db):
        db.conn.execute("UPDATE login_tokens SET expires_at = ? WHERE token_hash = ? AND used_at IS NULL"
                        " AND expires_at < ?", (until, token_hash, until))


def deliver(db: sqlite_utils.Database, notice: Mapping, senders: Mapping[str, Sender], now: datetime, claimer: str,
            *, max_attempts: int = 8, rng: random.Random | None = None) -> str:
    """Send one claimed notice and record the outcome: ``sent``, ``pending`` (retry later) or ``dead``."""
    sender = senders.get(notice["channel"])
    try:
        if sender is None:
            raise PermanentFailure(f"no sender for channel {notice['channel']!r}")
        refresh_sign_in_link(db, notice, now)
        sender.send(notice)
    except DeliveryError as e:
        status = mark_failed(db, notice, now, e, claimer, max_attempts=max_attempts, rng=rng)
        level = logging.ERROR if status == "dead" else logging.WARNING
        log.log(level, "notice %s (%s) %s: %s", notice["id"], _about(notice),
                "is dead" if status == "dead" else "will be retried", e)
        return status
    except Exception as e:  # a bug in a sender must not stop every other notice: retry, then dead
        status = mark_failed(db, notice, now, TemporaryFailure(f"unexpected {type(e).__name__}: {e}"), claimer,
                             max_attempts=max_attempts, rng=rng)
        log.exception("notice %s (%s): unexpected error in the sender", notice["id"], _about(notice))
        return status
    mark_sent(db, notice["id"], now)
    log.info("notice %s sent (%s)", notice["id"], _about(notice))
    return "sent"


def _about(notice: Mapping) -> str:
    """A notice in a log line: channel, kind, attempt and case number; never the recipient or the words."""
    case = f", case {notice['complaint_id']}" if notice.get("complaint_id") else ""
    return f"{notice['channel']} {notice['kind']}, attempt {notice.get('attempts', '?')}{case}"


def run_once(db: sqlite_utils.Database, senders: Mapping[str, Sender], now: datetime | None = None, *,
             claimer: str | None = None, max_attempts: int = 8, limit: int = BATCH,
             rng: random.Random | None = None, lease: timedelta = LEASE) -> RunResult:
    """Claim the notices due at ``now`` one at a time (at most ``limit``), send each, record each outcome.

    One at a time: a worker killed mid-round holds only the notice it was sending. A channel whose
    server cannot be reached is skipped for the rest of the round (``RunResult.unreachable``);
    ``probe_and_wake`` brings its notices back as soon as it answers.

    :param senders: channel (``email``, ``sms``) → sender; a notice whose channel has none goes dead.
    :param now: the clock (default: the real one); every timestamp this run writes uses it.
    """
    now = now or utcnow()
    claimer = claimer or worker_id()
    result = RunResult()
    while result.claimed < limit:
        claimed = claim(db, now, claimer, limit=1, max_attempts=max_attempts, lease=lease,
                        skip_channels=sorted(result.unreachable))
        if not claimed:
            break
        notice = claimed[0]
        status = deliver(db, notice, senders, now, claimer, max_attempts=max_attempts, rng=rng)
        if status == "sent":
            result.sent += 1
        elif status == "dead":
            result.dead += 1
        else:
            result.retried += 1
            row = db.conn.execute("SELECT last_error FROM notices WHERE id = ?", (notice["id"],)).fetchone()
            if row and UNREACHABLE_MARK in (row[0] or ""):
                result.unreachable.add(notice["channel"])
    return result


def waiting_for_server(db: sqlite_utils.Database, now: datetime) -> list[str]:
    """Channels with notices backed off because their server could not be reached."""
    return [r[0] for r in db.conn.execute(
        "SELECT DISTINCT channel FROM notices WHERE status = 'pending' AND next_attempt_at > ? AND last_error LIKE ?",
        (iso(now), f"%{UNREACHABLE_MARK}%"))]


def probe_and_wake(db: sqlite_utils.Database, senders: Mapping[str, Sender], now: datetime) -> dict[str, int]:
    """Probe each channel whose notices wait for their server; where it answers, make them due now.

    Returns channel → how many notices were woken. A sender without ``probe`` is not probed (its
    notices keep their backoff)."""
    woken = {}
    wake = getattr(senders.get("open311"), "wake_waiting", None)
    if wake is not None:  # partner counties: each probed on its own (formsvc.notify.notifiers.open311)
        try:
            woken.update(wake(db, now))
        except Exception:  # a probe must never stop the delivery round
            log.exception("probing the partner counties failed")
    for channel in waiting_for_server(db, now):
        if channel == "open311" and wake is not None:
            continue
        probe = getattr(senders.get(channel), "probe", None)
        if probe is None or not probe():
            continue
        with store.write_transaction(db):
            cur = db.conn.execute("UPDATE notices SET next_attempt_at = ? WHERE status = 'pending' AND channel = ?"
                                  " AND next_attempt_at > ? AND last_error LIKE ?",
                                  (iso(now), channel, iso(now), f"%{UNREACHABLE_MARK}%"))
        woken[channel] = cur.rowcount
        log.info("the %s server answers again: %d waiting notice(s) are due now", channel, cur.rowcount)
    return woken


HEARTBEAT_EVERY = timedelta(seconds=5)  # at most; a quarter of READY_HEARTBEAT_SECONDS when that is shorter


def _heartbeat(db, now: datetime, claimer: str) -> datetime | None:
    """Say "this worker's loop is turning": in ``ops_marks`` for /readyz and /metrics, and to systemd's
    watchdog (``WatchdogSec=`` in deploy/systemd/wagesafe-worker.service restarts a worker that hangs)."""
    try:
        ops_marks.mark(db, ops_marks.HEARTBEAT, now, detail=claimer)
    except Exception:  # a locked database: the next round beats again; the heartbeat never stops the work
        log.warning("could not write the heartbeat (the database is busy); trying again next round")
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        return None
    _systemd_notify("WATCHDOG=1")
    return now


def _systemd_notify(message: str) -> None:
    """sd_notify(3) without a library: one datagram to $NOTIFY_SOCKET, when systemd gave one."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return
    if address.startswith("@"):
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.connect(address)
            sock.sendall(message.encode())
    except OSError:
        log.warning("could not notify systemd (%s)", message)


def _tick(db, registry, config: Config, now: datetime) -> None:
    """Run the periodic duties; a failure is logged and tried again next minute, never fatal."""
    from formsvc.duties import scheduler

    try:
        for line in scheduler.tick(db, registry, config, now) or []:
            log.info("scheduler: %s", line)
    except Exception as e:  # each failed duty was logged with its traceback by the scheduler
        log.error("scheduler tick: a duty failed (%s); it runs again in a minute", type(e).__name__)
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")


def _every_round(db, registry, config: Config, now: datetime) -> None:
    """The duties a person waits for now (``scheduler.every_round``); never fatal either."""
    from formsvc.duties import scheduler

    try:
        for line in scheduler.every_round(db, registry, config, now) or []:
            log.info("scheduler: %s", line)
    except Exception:
        log.exception("a round's duties failed; tried again next round")
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")


def run_forever(config: Config, stop_event: threading.Event | None = None, *,
                senders: Mapping[str, Sender] | None = None, clock: Callable[[], datetime] = utcnow,
                registry=None) -> None:
    """Deliver notices until ``stop_event`` is set (or SIGTERM/SIGINT, when run in the main thread).

    Polls every ``WORKER_POLL_SECONDS``; runs ``formsvc.duties.scheduler.tick`` once a minute. A stop
    lets the notice being sent finish (the SMTP timeout bounds it), then returns.
    """
    from .notifiers import senders_from_config

    senders = senders if senders is not None else senders_from_config(config)  # a bad setting fails here
    if registry is None:
        from wagesafe.registry import load_registry

        registry = load_registry(config.data_dir)
    stop = stop_event or threading.Event()
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, lambda *_: stop.set())
    db = store.open_db(config.database)
    claimer = worker_id()
    last_tick: datetime | None = None
    last_probe: datetime | None = None
    last_beat: datetime | None = None
    beat_every = min(HEARTBEAT_EVERY, timedelta(seconds=config.ready_heartbeat_seconds / 4))
    log.info("notice worker %s started (poll every %ss)", claimer, config.worker_poll_seconds)
    from formsvc.duties.site_rebuild import SiteRebuilder

    rebuilder = SiteRebuilder(config, db)
    from wagesafe.registry.watch import RegistryWatch

    watch = RegistryWatch(config.data_dir, registry)
    _systemd_notify("READY=1")
    try:
        while not stop.is_set():
            now = clock()
            if last_beat is None or now - last_beat >= beat_every:
                last_beat = _heartbeat(db, now, claimer)
            try:  # the portal after a desk change: every round, so it is live within a minute
                if done := rebuilder.step(db, now):
                    log.info("%s", done)
            except Exception:
                log.exception("portal rebuild step failed; trying again")
            if last_tick is None or now - last_tick >= TICK_EVERY:
                _tick(db, watch.current(), config, now)
                last_tick = now
            else:
                _every_round(db, registry, config, now)
            try:
                now = clock()
                if last_probe is None or now - last_probe >= PROBE_EVERY:
                    probe_and_wake(db, senders, now)
                    last_probe = now
                result = run_once(db, senders, clock(), claimer=claimer, max_attempts=config.notice_max_attempts)
            except Exception:  # e.g. the database is locked for longer than the busy timeout
                log.exception("delivery round failed; trying again")
                result = RunResult()
            if result.claimed < BATCH:  # a full batch means more may be waiting: go again at once
                stop.wait(min(config.worker_poll_seconds, PROBE_EVERY.total_seconds()))
    finally:
        rebuilder.stop()
        db.conn.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        log.info("notice worker %s stopped", claimer)
