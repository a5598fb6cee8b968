"""The registry's city average wage (《劳动合同法》 art. 47) and mediation channel (《保障农民工工资支付条例》
art. 34(3)): both sample counties carry them, and `wagesafe check` names what is missing and why."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from tests.registry_edit import set_cell
from wagesafe.cli import main
from wagesafe.registry import RegistryError, load_registry

ROOT = Path(__file__).parent.parent


def _problems(data_dir: Path) -> list:
    with pytest.raises(RegistryError) as info:
        load_registry(data_dir)
    return info.value.problems


def _edit_county(data_dir: Path, change) -> None:
    path = data_dir / "county.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(doc["county"])
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")


@pytest.mark.parametrize("where", ["data", "demo/county-b"])
def test_both_demo_counties_carry_the_average_wage_and_a_mediation_channel(where):
    reg = load_registry(ROOT / where)
    wage = reg.county.average_wage
    assert wage is not None and wage.monthly_yuan >= 1000 and wage.year >= 2020
    assert reg.county.city_zh in wage.source_zh  # published by the city government (设区的市)
    m = reg.county.mediation
    assert m is not None and m.name_zh and m.place_zh and m.phone
    result = CliRunner().invoke(main, ["check", "--data", str(ROOT / where)])
    assert result.exit_code == 0, result.output


def test_a_township_may_name_its_own_mediation_body():
    reg = load_registry(ROOT / "data")
    assert reg.mediation_for("longtan").name_zh == "龙潭镇劳动争议调解中心"
    assert reg.mediation_for("hexi") == reg.county.mediation  # none of its own: the county's window


def test_check_says_what_the_average_wage_is_and_why_when_it_is_missing(data_dir):
    _edit_county(data_dir, lambda c: c.pop("average_wage"))
    (p,) = _problems(data_dir)
    assert (p.file, p.field) == ("data/county.yaml", "county.average_wage")
    assert "上年度职工月平均工资" in p.reason and "设区的市" in p.reason and "art. 47" in p.reason
    result = CliRunner().invoke(main, ["check", "--data", str(data_dir)])
    assert result.exit_code == 1 and "county.average_wage" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("field,value,reason", [
    ("monthly_yuan", "seven thousand", "not a whole number"),
    ("monthly_yuan", 200, "not between 1000 and 100000"),
    ("year", 2999, "not between 2000"),
    ("source_zh", "", "required field is missing"),
    ("source_zh", "网上", "who published the figure"),
])
def test_check_refuses_a_bad_average_wage(data_dir, field, value, reason):
    _edit_county(data_dir, lambda c: c["average_wage"].__setitem__(field, value))
    (p,) = _problems(data_dir)
    assert p.field == f"county.average_wage.{field}" and reason in p.reason


def test_check_wants_a_mediation_channel_with_name_place_and_phone(data_dir):
    _edit_county(data_dir, lambda c: c.pop("mediation"))
    (p,) = _problems(data_dir)
    assert p.field == "county.mediation" and "art. 34(3)" in p.reason
    _edit_county(data_dir, lambda c: c.__setitem__("mediation", {"name_zh": "调解窗口", "place_zh": "县人社局",
                                                                 "phone": "call us"}))
    (p,) = _problems(data_dir)
    assert p.field == "county.mediation.phone"


def test_a_township_mediation_body_needs_all_three_columns(data_dir):
    line = set_cell(data_dir / "townships.csv", 0, "mediation_name_zh", "河西街道调解委员会")
    problems = _problems(data_dir)
    assert {(p.file, p.line, p.field) for p in problems} == {
        ("data/townships.csv", line, "mediation_place_zh"), ("data/townships.csv", line, "mediation_phone")}


def test_the_project_page_names_the_same_mediation_channel_as_the_poster():
    from wagesafe.sitegen.projects import project_page_html

    reg = load_registry(ROOT / "data")
    page = project_page_html(reg, reg.project("qh001"), "zh")  # 龙潭镇: its own body
    assert "<th scope=\"row\">劳动争议调解</th><td>龙潭镇劳动争议调解中心（龙潭镇人民政府一楼便民服务中心）" in page
    assert 'href="tel:0799-0611010"' in page
    page = project_page_html(reg, reg.project("qh002"), "en")  # 上坊乡: the county's window
    assert "Labour dispute mediation" in page and 'href="tel:0799-0601002"' in page
