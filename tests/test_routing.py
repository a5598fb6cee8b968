"""Routing rules: project → township officer (deputy while away) → chosen township → county desk; urgency."""

from __future__ import annotations

import pytest
from registry_edit import set_cell

from formsvc.case.routing import Thresholds, route
from wagesafe.registry import load_registry

DEFAULT = Thresholds(workers=10, amount_yuan=200_000)


@pytest.fixture(scope="module")
def registry():
    from conftest import SAMPLE_DATA

    return load_registry(SAMPLE_DATA)


def test_routing_project_goes_to_its_township_officer(registry):
    d = route(registry, DEFAULT, project_code="qh012")
    assert (d.rule, d.target_kind, d.target_code) == ("project", "township", "hexi")
    assert d.recipient.name == "郭辉辉" and d.recipient.email == "hexi.officer@qinghe.example.gov.cn"
    assert d.reason == "项目 qh012（" + registry.project("qh012").name_zh + "）位于河西街道，由该街道农民工服务专员郭辉辉负责（首问负责制）"
    assert not d.urgent and not d.deputy
    assert [r["rule"] for r in d.rows()] == ["project"]


def test_routing_project_code_is_case_insensitive(registry):
    assert route(registry, DEFAULT, project_code=" QH012 ").target_code == "hexi"


def test_routing_deputy_takes_the_case_while_the_officer_is_away(registry):
    d = route(registry, DEFAULT, project_code="qh008")  # 白沙镇: officer marked away in the sample
    assert d.target_code == "baisha" and d.deputy
    assert d.recipient.name == "钟国鹏"
    assert "金静国不在岗" in d.reason and "钟国鹏负责" in d.reason


def test_routing_marking_an_officer_away_switches_to_the_deputy(data_dir):
    set_cell(data_dir / "townships.csv", 0, "officer_away", "yes")  # hexi
    d = route(load_registry(data_dir), DEFAULT, project_code="qh012")
    assert d.recipient.name == "闫生宇" and d.deputy and "郭辉辉不在岗" in d.reason


def test_routing_chosen_township_without_project(registry):
    d = route(registry, DEFAULT, township_code="qingshui")
    assert (d.rule, d.target_kind, d.target_code) == ("township", "township", "qingshui")
    assert d.recipient.name == "孙霞兰" and "工人选择了清水镇" in d.reason


def test_routing_project_wins_over_chosen_township(registry):
    assert route(registry, DEFAULT, project_code="qh012", township_code="qingshui").target_code == "hexi"


@pytest.mark.parametrize("project, township", [(None, None), ("nope", None), (None, "atlantis"), ("", "")])
def test_routing_nothing_matches_goes_to_the_county_desk(registry, project, township):
    d = route(registry, DEFAULT, project_code=project, township_code=township)
    assert (d.rule, d.target_kind, d.target_code) == ("county", "county", "")
    assert d.recipient.email == registry.county.desk.email
    assert "县劳动保障监察大队" in d.reason


@pytest.mark.parametrize("workers, amount, urgent", [
    (9, 199_999, False), (10, 0, True), (1, 200_000, True), (50, 1_000_000, True)])
def test_routing_urgent_by_workers_or_amount(registry, workers, amount, urgent):
    d = route(registry, DEFAULT, project_code="qh012", workers=workers, amount_yuan=amount)
    assert d.urgent is urgent
    assert d.target_code == "hexi"  # urgency adds the county desk, it does not take the case away
    rules = [r["rule"] for r in d.rows()]
    assert rules == (["project", "urgent"] if urgent else ["project"])
    if urgent:
        assert "同时通知县劳动保障监察大队" in d.urgent_reason


def test_routing_thresholds_are_configurable(registry):
    strict = Thresholds(workers=3, amount_yuan=5_000)
    assert route(registry, strict, project_code="qh012", workers=3).urgent
    assert route(registry, strict, project_code="qh012", amount_yuan=5_000).urgent
    assert not route(registry, DEFAULT, project_code="qh012", workers=3, amount_yuan=5_000).urgent


def test_routing_thresholds_from_config():
    from wagesafe.config import Config

    t = Thresholds.from_config(Config.from_env({"URGENT_WORKERS": "4", "URGENT_AMOUNT_YUAN": "9000"}))
    assert (t.workers, t.amount_yuan) == (4, 9000)
