"""deploy/prometheus/wagesafe-alerts.yml: valid rules, on metrics the service really exports, each one
explained in the operator's manual.

With ``promtool`` (Debian's ``prometheus`` package; on PATH, or named by ``WAGESAFE_PROMTOOL``) the file
is checked by Prometheus' own parser; without it, the YAML is read and every metric an expression
names must be one that ``/metrics`` answers with (or Prometheus' own ``up``), so a renamed metric
cannot leave an alert that never fires.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from formsvc import create_app
from wagesafe.config import Config

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "deploy" / "prometheus" / "wagesafe-alerts.yml"
RULE_TESTS = RULES.with_name("wagesafe-alerts.test.yml")
PROMQL_WORDS = {"time", "increase", "rate", "sum", "by", "and", "or", "on", "unless", "without", "max", "min",
                "avg", "count", "up", "delta", "absent", "humanize", "humanizeDuration", "humanizePercentage"}


def _rules() -> list[dict]:
    groups = yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"]
    return [rule for group in groups for rule in group["rules"]]


def _exported(tmp_path: Path) -> set[str]:
    """Every sample name a scrape of a fresh service returns (histogram and counter suffixes included)."""
    config = Config.from_env({"WAGESAFE_DATA_DIR": str(ROOT / "data"), "WAGESAFE_VAR_DIR": str(tmp_path / "var")})
    app = create_app(config)
    client = app.test_client()
    client.get("/healthz")  # so the request histogram has a sample
    client.get("/status/no-such-page-for-a-5xx-or-404")
    text = client.get("/metrics").get_data(as_text=True)
    names = set(re.findall(r"^([a-zA-Z_:][\w:]*)", text, flags=re.M))
    names |= set(re.findall(r"^# TYPE (\S+)", text, flags=re.M))
    # a counter's family is announced without _total; histograms' _bucket/_sum/_count are samples
    return names | {f"{n}_total" for n in names}


def _metric_names(expr: str) -> set[str]:
    expr = re.sub(r'\{[^}]*\}', "", expr)  # label matchers
    expr = re.sub(r"\[[^\]]*\]", "", expr)  # range selectors
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)  # label lists
    words = set(re.findall(r"[a-zA-Z_:][\w:]*", expr))
    return {w for w in words if w not in PROMQL_WORDS and not re.fullmatch(r"\d+[smhd]?", w)}


def test_every_alert_reads_metrics_the_service_exports(tmp_path):
    exported = _exported(tmp_path) | {"up"}
    rules = _rules()
    assert {r["alert"] for r in rules} >= {"WageSafeWorkerDown", "WageSafeNoticesDying", "WageSafeOutboxBacklog",
                                           "WageSafeBackupTooOld", "WageSafeDiskNearlyFull"}
    for rule in rules:
        unknown = _metric_names(rule["expr"]) - exported
        assert not unknown, f"{rule['alert']} reads {sorted(unknown)}, which /metrics does not export"
        assert rule["labels"]["severity"] in ("warning", "critical"), rule["alert"]
        assert rule["annotations"]["summary"] and "First:" in rule["annotations"]["description"], rule["alert"]


def test_every_alert_is_explained_in_the_operators_manual():
    manual = (ROOT / "manual" / "operator.md").read_text(encoding="utf-8")
    for rule in _rules():
        assert f"`{rule['alert']}`" in manual, f"manual/operator.md does not explain {rule['alert']}"


def test_metric_name_check_can_fail():
    assert _metric_names('increase(wagesafe_no_such_thing_total{channel="sms"}[1h]) > 0') == {
        "wagesafe_no_such_thing_total"}
    assert _metric_names("sum by (group) (increase(wagesafe_x_total[10m])) > 5") == {"wagesafe_x_total"}
    assert _metric_names("time() - wagesafe_worker_heartbeat_timestamp_seconds > 300") == {
        "wagesafe_worker_heartbeat_timestamp_seconds"}


def _promtool() -> str | None:
    return os.environ.get("WAGESAFE_PROMTOOL") or shutil.which("promtool")


@pytest.mark.skipif(_promtool() is None, reason="promtool (Debian package prometheus) is not installed")
def test_promtool_accepts_the_rules():
    done = subprocess.run([_promtool(), "check", "rules", str(RULES)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"SUCCESS: {len(_rules())} rules found" in done.stdout


@pytest.mark.skipif(_promtool() is None, reason="promtool (Debian package prometheus) is not installed")
def test_alerts_fire_when_they_should_and_not_before():
    """deploy/prometheus/wagesafe-alerts.test.yml: series fed to the rules, the alerts expected minute by minute."""
    done = subprocess.run([_promtool(), "test", "rules", str(RULE_TESTS)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and "SUCCESS" in done.stdout, done.stdout + done.stderr


def test_rule_tests_cover_the_alerts_a_person_feels_first():
    tests = yaml.safe_load(RULE_TESTS.read_text(encoding="utf-8"))
    assert tests["rule_files"] == [RULES.name]
    tested = {case["alertname"] for group in tests["tests"] for case in group["alert_rule_test"]}
    assert {"WageSafeWorkerDown", "WageSafeNoticesDying", "WageSafeOutboxBacklog", "WageSafeBackupTooOld",
            "WageSafeBackupVerifyFailed", "WageSafeDiskNearlyFull"} <= tested
