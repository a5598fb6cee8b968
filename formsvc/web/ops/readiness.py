"""Readiness: can this installation do its work now? Read by ``/readyz``, the Docker healthcheck,
the systemd readiness timer (``wagesafe ready``) and the ``wagesafe_ready`` metric.

Each check is something a worker or an officer would feel before anyone complained:

- **the notice worker's heartbeat** is older than ``READY_HEARTBEAT_SECONDS`` (default 5 minutes): the
  worker stopped or hangs, so no officer hears of a new case;
- **a notice due to be sent has waited longer than that**: the worker runs but does not deliver;
- **the oldest pending notice is older than the retry policy allows** (``NOTICE_MAX_ATTEMPTS``
  backoffs at their longest, plus a lease): it should have been sent or given up long ago;
- **the disk under** ``WAGESAFE_VAR_DIR`` **is nearly full** (less than ``READY_DISK_FREE_PERCENT``
  free): the next complaint with a photo, or the next backup, fails.

Each problem is said in plain words (Chinese, then English), because the person reading it at night
is a county's IT officer, not the author.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from formsvc.notify import worker
from formsvc.storage import ops_marks
from formsvc.storage.store import iso


@dataclass(frozen=True)
class Problem:
    """One reason the installation is not ready: which check, and what to tell the operator."""

    check: str  # database | worker | notices | disk
    zh: str
    en: str

    def line(self) -> str:
        return f"{self.zh} / {self.en}"


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    at = datetime.fromisoformat(value)
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)


def retry_window(max_attempts: int) -> timedelta:
    """The longest a notice may rightly stay pending: every backoff before its last attempt at its longest
    (+20 % jitter, each capped at an hour) plus a claim's lease. About 40 hours for the default 40 attempts."""
    waits = sum(min(worker.FIRST_DELAY_SECONDS * 2 ** (a - 1), worker.MAX_DELAY_SECONDS) * (1 + worker.JITTER)
                for a in range(1, max(max_attempts, 1)))
    return timedelta(seconds=min(waits, 3600 * 24 * 365)) + worker.LEASE


def _minutes(delta: timedelta) -> str:
    minutes = delta.total_seconds() / 60
    return f"{minutes:.0f}" if minutes >= 10 else f"{minutes:.1f}"


def disk_usage(path):
    """``shutil.disk_usage`` of the file system holding ``path`` (or its nearest existing parent)."""
    path = Path(path)
    while not path.exists() and path != path.parent:
        path = path.parent
    return shutil.disk_usage(path)


def disk_free_percent(path) -> float:
    usage = disk_usage(path)
    return 100.0 * usage.free / usage.total if usage.total else 100.0


def problems(db, config, now: datetime) -> list[Problem]:
    """Every reason the installation is not ready at ``now``; [] when it is."""
    try:
        db.conn.execute("SELECT count(*) FROM schema_migrations").fetchone()
    except Exception as e:  # noqa: BLE001 - anything here means the database cannot be read
        return [Problem("database", "数据库无法读取", f"the database cannot be read ({type(e).__name__})")]
    found = []
    limit = timedelta(seconds=config.ready_heartbeat_seconds)
    beat = parse_time(ops_marks.marks(db).get(ops_marks.HEARTBEAT, {}).get("at"))
    if beat is None:
        found.append(Problem("worker", "通知发送程序（wagesafe worker）从未运行",
                             "the notice worker (wagesafe worker) has never run"))
    elif now - beat > limit:
        found.append(Problem("worker", f"通知发送程序已 {_minutes(now - beat)} 分钟没有心跳（上限 {_minutes(limit)} 分钟）",
                             f"the notice worker's last heartbeat was {_minutes(now - beat)} minutes ago "
                             f"(more than {_minutes(limit)})"))
    due = parse_time(db.conn.execute("SELECT min(next_attempt_at) FROM notices WHERE status = 'pending'"
                                     " AND next_attempt_at <= ?", (iso(now),)).fetchone()[0])
    if due is not None and now - due > limit:
        found.append(Problem("notices", f"有通知已到发送时间 {_minutes(now - due)} 分钟仍未发出",
                             f"a notice due {_minutes(now - due)} minutes ago has not been sent"))
    oldest = parse_time(db.conn.execute("SELECT min(created_at) FROM notices WHERE status IN ('pending', 'sending')")
                        .fetchone()[0])
    window = retry_window(config.notice_max_attempts)
    if oldest is not None and now - oldest > window:
        hours = (now - oldest).total_seconds() / 3600
        found.append(Problem("notices", f"最早的待发通知已等待 {hours:.0f} 小时，超过重试规则允许的 "
                                        f"{window.total_seconds() / 3600:.0f} 小时",
                             f"the oldest pending notice has waited {hours:.0f} hours, longer than the retry "
                             f"policy allows ({window.total_seconds() / 3600:.0f} hours)"))
    free = disk_free_percent(config.var_dir)
    if free < config.ready_disk_free_percent:
        found.append(Problem("disk", f"{config.var_dir} 所在磁盘只剩 {free:.1f}% 空间（下限 {config.ready_disk_free_percent:g}%）",
                             f"the disk under {config.var_dir} has {free:.1f}% free "
                             f"(less than {config.ready_disk_free_percent:g}%)"))
    return found
