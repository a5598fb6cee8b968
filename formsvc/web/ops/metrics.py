"""The figures ``/metrics`` gives Prometheus about the state of the work, read from the database at
scrape time.

Why a collector that reads the database rather than gauges the code sets: the web runs as several
gunicorn processes and the notice worker as another, each with its own memory. What they share is the
database, so the state (complaints, the outbox, transfers, the worker's heartbeat, each duty's and
the backup's last run) is counted there when Prometheus asks, and is the same whichever process
answers. What only a web process sees (request timings, refusals) is in ``instruments``.

Every series an alert reads exists from the first scrape (0 for each channel), so "no data" never
hides a problem. Names follow Prometheus' conventions: ``_total`` counters, ``_seconds``,
``_timestamp_seconds`` for Unix times.
"""

from __future__ import annotations

from datetime import datetime

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from formsvc.notify.outbox import CHANNELS
from formsvc.storage import ops_marks
from formsvc.storage.store import iso

from . import readiness

DUTIES = ("escalation", "transfers_settled", "worker_sms", "dead_notices", "daily_report", "remote_follow",
          "evidence_fetch", "provincial", "roster", "retention", "held_uploads")  # formsvc.duties.scheduler.tick
TRANSFER_STATES = ("pending", "delivered", "refused", "dead", "closed", "withdrawn")

# A case's township: where routing sent it first, else the township responsible for it; "none" for the
# county desk or a department.
_COMPLAINTS = """
SELECT source,
       CASE WHEN route_target_kind = 'township' AND route_target_code != '' THEN route_target_code
            WHEN responsible_kind = 'township' AND responsible_code != '' THEN responsible_code
            ELSE 'none' END AS township,
       count(*)
  FROM complaints GROUP BY 1, 2
"""

# A transfer to another county, in the words of county_transfer: withdrawn by us, closed there, delivered
# (the other county has it), refused or dead (delivery gave up), else still on its way.
_TRANSFERS = """
SELECT CASE WHEN remote_status = 'withdrawn' THEN 'withdrawn'
            WHEN closed_at IS NOT NULL THEN 'closed'
            WHEN remote_id IS NOT NULL OR delivered_at IS NOT NULL THEN 'delivered'
            WHEN settled_kind IN ('refused', 'dead') THEN settled_kind
            ELSE 'pending' END,
       count(*)
  FROM county_transfers GROUP BY 1
"""

# Alerts to the county desk where a limit would otherwise refuse workers (formsvc.case.surge): one per
# dedupe key, whichever channels carried it.
_ALERTS = """
SELECT substr(dedupe_key, 1, instr(dedupe_key, ':') - 1),
       count(DISTINCT replace(replace(dedupe_key, ':email', ''), ':sms', ''))
  FROM notices WHERE kind = 'abuse_alert' AND dedupe_key IS NOT NULL GROUP BY 1
"""
ALERT_KINDS = {"surge": "surge", "mobile-allowance": "mobile", "address-flood": "address"}


def _timestamp(value: str | None) -> float:
    at = readiness.parse_time(value)
    return at.timestamp() if at else 0.0


class StateCollector:
    """A prometheus_client collector over one database connection, for one scrape."""

    def __init__(self, db, config, now: datetime):
        self.db, self.config, self.now = db, config, now

    def _rows(self, sql: str, args=()) -> list[tuple]:
        return self.db.conn.execute(sql, args).fetchall()

    def collect(self):
        yield from self._complaints()
        yield from self._notices()
        yield from self._worker()
        yield from self._transfers()
        yield from self._backup()
        yield from self._ready()

    def _complaints(self):
        family = CounterMetricFamily("wagesafe_complaints", "Complaints stored, by source (qr, web, phone, "
                                     "partner…) and the township routing sent them to", labels=["source", "township"])
        for source, township, n in self._rows(_COMPLAINTS):
            family.add_metric([source or "unknown", township], n)
        yield family
        alerts = CounterMetricFamily("wagesafe_abuse_alerts", "Alerts to the county desk instead of refusing "
                                     "workers: surge (county-wide), mobile (one number's daily allowance), "
                                     "address (one address refused for a flood)", labels=["kind"])
        found = dict.fromkeys(ALERT_KINDS.values(), 0)
        for prefix, n in self._rows(_ALERTS):
            kind = ALERT_KINDS.get(prefix, "other")
            found[kind] = found.get(kind, 0) + n
        for kind, n in found.items():
            alerts.add_metric([kind], n)
        yield alerts

    def _notices(self):
        now = iso(self.now)
        by_channel = {c: {"pending": 0, "due": 0, "dead": 0, "oldest": None} for c in CHANNELS}
        for channel, status, n, oldest, due in self._rows(
                "SELECT channel, status, count(*), min(created_at), sum(next_attempt_at <= ?) FROM notices"
                " WHERE status IN ('pending', 'sending', 'dead') GROUP BY 1, 2", (now,)):
            row = by_channel.setdefault(channel, {"pending": 0, "due": 0, "dead": 0, "oldest": None})
            if status == "dead":
                row["dead"] += n
                continue
            row["pending"] += n
            row["due"] += (due or 0) if status == "pending" else 0
            row["oldest"] = min(filter(None, [row["oldest"], oldest]), default=None)
        pending = GaugeMetricFamily("wagesafe_notices_pending", "Notices not yet delivered (waiting, retrying or "
                                    "being sent), by channel", labels=["channel"])
        due = GaugeMetricFamily("wagesafe_notices_due", "Notices whose time to be sent has come: the worker's "
                                "backlog, by channel", labels=["channel"])
        oldest = GaugeMetricFamily("wagesafe_notices_oldest_pending_age_seconds", "Age of the oldest notice not "
                                   "yet delivered, by channel (0: none)", labels=["channel"])
        dead = GaugeMetricFamily("wagesafe_notices_dead", "Notices given up after a refusal or "
                                 "NOTICE_MAX_ATTEMPTS tries and not resent, by channel", labels=["channel"])
        for channel, row in sorted(by_channel.items()):
            pending.add_metric([channel], row["pending"])
            due.add_metric([channel], row["due"])
            age = (self.now - readiness.parse_time(row["oldest"])).total_seconds() if row["oldest"] else 0.0
            oldest.add_metric([channel], max(age, 0.0))
            dead.add_metric([channel], row["dead"])
        yield from (pending, due, oldest, dead)
        counters = ops_marks.counters(self.db)
        for name, help_text in (("notice_deliveries", "Notices delivered, by channel"),
                                ("notice_failures", "Failed delivery attempts (each retry counts), by channel"),
                                ("notice_deaths", "Notices that died (given up), by channel")):
            family = CounterMetricFamily(f"wagesafe_{name}", help_text, labels=["channel"])
            for channel in sorted(by_channel):
                family.add_metric([channel], counters.get((name, channel), 0))
            yield family

    def _worker(self):
        marks = ops_marks.marks(self.db)
        beat = _timestamp(marks.get(ops_marks.HEARTBEAT, {}).get("at"))
        yield GaugeMetricFamily("wagesafe_worker_heartbeat_timestamp_seconds", "When the notice worker's loop last "
                                "turned (Unix time; 0: never)", value=beat)
        yield GaugeMetricFamily("wagesafe_worker_heartbeat_age_seconds", "Seconds since the notice worker's loop "
                                "last turned (+Inf: never)",
                                value=self.now.timestamp() - beat if beat else float("inf"))
        last_run = GaugeMetricFamily("wagesafe_duty_last_run_timestamp_seconds", "When each periodic duty of the "
                                     "worker last ran (Unix time; 0: never)", labels=["duty"])
        last_ok = GaugeMetricFamily("wagesafe_duty_last_success_timestamp_seconds", "When each periodic duty last "
                                    "ran without an error (Unix time; 0: never)", labels=["duty"])
        names = sorted(set(DUTIES) | {n.split(":", 1)[1] for n in marks if n.startswith("duty:")})
        for name in names:
            mark = marks.get(ops_marks.duty(name), {})
            last_run.add_metric([name], _timestamp(mark.get("at")))
            last_ok.add_metric([name], _timestamp(mark.get("ok_at")))
        yield last_run
        yield last_ok

    def _transfers(self):
        family = GaugeMetricFamily("wagesafe_county_transfers", "Cases sent to other counties, by state",
                                   labels=["state"])
        found = dict.fromkeys(TRANSFER_STATES, 0)
        for state, n in self._rows(_TRANSFERS):
            found[state] = found.get(state, 0) + n
        for state, n in found.items():
            family.add_metric([state], n)
        yield family

    def _backup(self):
        marks = ops_marks.marks(self.db)
        backup = marks.get(ops_marks.BACKUP, {})
        verify = marks.get(ops_marks.BACKUP_VERIFY, {})
        yield GaugeMetricFamily("wagesafe_backup_last_success_timestamp_seconds", "When the last good backup was "
                                "written (Unix time; 0: never)", value=_timestamp(backup.get("ok_at")))
        yield GaugeMetricFamily("wagesafe_backup_verify_timestamp_seconds", "When `wagesafe backup verify` last ran "
                                "(Unix time; 0: never)", value=_timestamp(verify.get("at")))
        yield GaugeMetricFamily("wagesafe_backup_verify_ok", "1 if the last backup verification restored the backup, "
                                "found it intact and its rows agree with the live database; 0 if it failed or "
                                "never ran", value=1.0 if verify.get("ok") and verify.get("at") else 0.0)

    def _ready(self):
        usage = readiness.disk_usage(self.config.var_dir)
        yield GaugeMetricFamily("wagesafe_var_disk_free_ratio", "Free share of the disk under WAGESAFE_VAR_DIR",
                                value=usage.free / usage.total if usage.total else 1.0)
        yield GaugeMetricFamily("wagesafe_var_disk_free_bytes", "Free bytes on the disk under WAGESAFE_VAR_DIR",
                                value=usage.free)
        problems = readiness.problems(self.db, self.config, self.now)
        yield GaugeMetricFamily("wagesafe_ready", "1 when /readyz says ready (worker heartbeat fresh, no notice "
                                "overdue, disk not full), else 0", value=0.0 if problems else 1.0)
