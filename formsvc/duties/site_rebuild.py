"""The portal rebuilt in the background after a desk change (issue 26 item 5), run by the worker loop.

A change on the desk writes its files and a ``site_builds`` row in one transaction. The worker
loop calls ``SiteRebuilder.step`` on every round (every ``WORKER_POLL_SECONDS``, not once a minute:
an update must be on the portal within a minute). ``step`` starts ``wagesafe build`` then
``wagesafe posters`` as child processes and returns at once, so notices keep going out while a
large portal builds; a later round sees them finish and records the result on the requests it
served. The build goes into a new directory and swaps the portal in one rename
(``wagesafe.sitegen.build``): a failed build leaves the live portal as it was, and its message
(file, line, Chinese first) is shown to the editors on the desk. Posters: ``wagesafe posters``
rebuilds only those whose content changed (its manifest). Child processes, not imports: the form
service never imports the portal's generator (HACKING: arrows one way), and a 700 MB build peak
stays out of the worker.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import sqlite_utils

from wagesafe.config import Config

from formsvc.storage.store import iso, write_transaction

log = logging.getLogger(__name__)
STEPS = (("build",), ("posters",))
MESSAGE_LIMIT = 4000


def _command(args: tuple[str, ...]) -> list[str]:
    return [sys.executable, "-c", "from wagesafe.cli import main; main()", *args]


def _env(config: Config) -> dict[str, str]:
    env = dict(os.environ)
    env.update(WAGESAFE_DATA_DIR=str(config.data_dir), WAGESAFE_SITE_DIR=str(config.site_dir),
               WAGESAFE_VAR_DIR=str(config.var_dir), WAGESAFE_DOCS_DIR=str(config.docs_dir),
               PUBLIC_BASE_URL=config.public_base_url)
    return env


def _clean(text: str) -> str:
    lines = [ln[len("Error: "):] if ln.startswith("Error: ") else ln for ln in text.strip().splitlines()]
    return "\n".join(lines).strip() or "没有输出 (no output)"


def _said(text: str) -> str:
    """What the build said, for an editor: the error lines, Chinese first (a lead in Chinese when the
    command said it in English only, as the registry check does), no click prefix."""
    message = _clean(text)
    if not any("\u4e00" <= ch <= "\u9fff" for ch in message[:80]):
        message = "门户没有生成（线上门户保持原样），原因如下（文件:行）：\n" + message
    return message[:MESSAGE_LIMIT]


class SiteRebuilder:
    """One worker's rebuilds: at most one at a time, each serving every request waiting when it began."""

    def __init__(self, config: Config, db: sqlite_utils.Database):
        self.config = config
        self.proc: subprocess.Popen | None = None
        self.step_index = 0
        self.ids: list[int] = []
        self.log_path = Path(config.var_dir) / "site-build.log"
        with write_transaction(db):  # a build cut short by a stop or crash runs again
            db.conn.execute("UPDATE site_builds SET started_at = NULL WHERE started_at IS NOT NULL"
                            " AND finished_at IS NULL")

    def step(self, db: sqlite_utils.Database, now: datetime) -> str | None:
        """Start, advance or finish a rebuild; returns a line for the log when one finished."""
        if self.proc is None:
            if db.execute("SELECT 1 FROM site_builds WHERE started_at IS NULL LIMIT 1").fetchone() is None:
                return None
            with write_transaction(db):  # claimed in one transaction: a second worker never builds the same
                ids = [r[0] for r in db.conn.execute("SELECT id FROM site_builds WHERE started_at IS NULL ORDER BY id")]
                db.conn.execute(f"UPDATE site_builds SET started_at = ? WHERE id IN ({','.join('?' * len(ids))})",
                                [iso(now), *ids])
            if not ids:
                return None
            self.ids, self.step_index = ids, 0
            self._start()
            return None
        code = self.proc.poll()
        if code is None:
            return None
        self.proc = None
        output = self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""
        if code == 0 and self.step_index + 1 < len(STEPS):
            self.step_index += 1
            self._start()
            return None
        ok = code == 0
        if ok:
            message = output.strip().splitlines()[-1] if output.strip() else ""
        elif STEPS[self.step_index] == ("posters",):  # the portal is live; some posters are not
            message = ("门户已更新，但有海报没有生成（原来的海报保留），原因如下：\n" + _clean(output))[:MESSAGE_LIMIT]
        else:
            message = _said(output)
        with write_transaction(db):
            db.conn.execute(f"UPDATE site_builds SET finished_at = ?, ok = ?, message = ? WHERE id IN"
                            f" ({','.join('?' * len(self.ids))})", [iso(now), 1 if ok else 0, message, *self.ids])
        line = f"portal rebuild {'done' if ok else 'FAILED'} for {len(self.ids)} change(s): {message[:200]}"
        self.ids = []
        return line

    def _start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "w", encoding="utf-8") as out:
            # umask 022: the portal and the posters are public files nginx (another user) must read; the
            # worker's own UMask (0027, for the database and uploads) would make them unreadable to it
            self.proc = subprocess.Popen(_command(STEPS[self.step_index]), stdout=out, stderr=subprocess.STDOUT,
                                         env=_env(self.config), cwd=str(Path(__file__).resolve().parents[2]),
                                         umask=0o022)

    def stop(self) -> None:
        """Let a running child finish its swap (a build killed half-way leaves only a stray directory)."""
        if self.proc is not None:
            try:
                self.proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def status(db: sqlite_utils.Database) -> dict:
    """For the desk: waiting/running requests and the last finished build."""
    waiting = db.execute("SELECT count(*) FROM site_builds WHERE started_at IS NULL").fetchone()[0]
    running = db.execute("SELECT count(*) FROM site_builds WHERE started_at IS NOT NULL AND finished_at IS NULL"
                         ).fetchone()[0]
    last = next(db.query("SELECT * FROM site_builds WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1"), None)
    return {"waiting": waiting, "running": running, "last": last}


def version_built(db: sqlite_utils.Database, version_id: int) -> dict | None:
    """The build that served a change (``ok`` None while it waits or runs)."""
    return next(db.query("SELECT * FROM site_builds WHERE version_id = ? ORDER BY id DESC LIMIT 1", [version_id]),
                None)
