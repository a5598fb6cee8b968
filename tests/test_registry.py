"""The registry check: the sample passes, and each class of editor mistake is reported with
file, line, field and reason — all of them at once, never as a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.registry_edit import append_row, row, set_cell
from wagesafe.cli import main
from wagesafe.registry import RegistryError, load_registry
from wagesafe.synth import write_registry


def problems_of(data_dir: Path) -> list:
    with pytest.raises(RegistryError) as info:
        load_registry(data_dir)
    return info.value.problems


def test_sample_registry_passes_and_is_big_enough():
    reg = load_registry(Path(__file__).parent.parent / "data")
    assert len(reg.townships) == 12
    assert len(reg.projects) >= 40
    assert len(reg.legal_aid) >= 25
    kinds = {p.kind for p in reg.legal_aid}
    assert {"centre", "township_station", "village_point", "court_station", "arbitration_station", "hotline"} <= kinds
    assert all(t.responsible is not None for t in reg.townships.values())
    assert {d.kind for d in reg.departments.values()} >= {"housing", "transport", "water", "arbitration",
                                                          "legal_aid", "police"}


def test_unknown_township(data_dir):
    line = set_cell(data_dir / "projects.csv", 3, "township", "atlantis")
    (p,) = problems_of(data_dir)
    assert (p.file, p.line, p.field) == ("data/projects.csv", line, "township")
    assert "unknown township 'atlantis'" in p.reason


def test_duplicate_project_code(data_dir):
    first = row(data_dir / "projects.csv", 0)
    line = append_row(data_dir / "projects.csv", first)
    (p,) = problems_of(data_dir)
    assert (p.line, p.field) == (line, "code")
    assert "duplicate project code" in p.reason and "line 2" in p.reason


@pytest.mark.parametrize("code", ["QH001", "qh 01", "../etc", "qh/1", "a", "-qh1", "项目1", "qh001-toolong-code"])
def test_unsafe_project_code(data_dir, code):
    line = set_cell(data_dir / "projects.csv", 0, "code", code)
    problems = problems_of(data_dir)
    assert any(p.line == line and p.field == "code" and "not a safe project code" in p.reason for p in problems)


def test_duplicate_township_code(data_dir):
    first = row(data_dir / "townships.csv", 0)
    line = append_row(data_dir / "townships.csv", first)
    (p,) = problems_of(data_dir)
    assert (p.file, p.line, p.field) == ("data/townships.csv", line, "code")


@pytest.mark.parametrize("mobile", ["1380000000", "23800000000", "138-0000-00001", "abc", "12000000000"])
def test_malformed_mobile(data_dir, mobile):
    line = set_cell(data_dir / "townships.csv", 2, "officer_mobile", mobile)
    (p,) = problems_of(data_dir)
    assert (p.file, p.line, p.field) == ("data/townships.csv", line, "officer_mobile")
    assert "mobile" in p.reason


def test_mobile_with_country_code_and_spaces_is_accepted(data_dir):
    set_cell(data_dir / "townships.csv", 2, "officer_mobile", "+86 139 0000 0102")
    reg = load_registry(data_dir)
    assert list(reg.townships.values())[2].officer.mobile == "13900000102"


@pytest.mark.parametrize("email", ["officer", "officer@", "a@b", "a b@example.cn"])
def test_malformed_email(data_dir, email):
    line = set_cell(data_dir / "townships.csv", 1, "deputy_email", email)
    (p,) = problems_of(data_dir)
    assert (p.line, p.field) == (line, "deputy_email")


@pytest.mark.parametrize("value", ["2025/03/01", "2025-13-01", "2025-02-30", "next year"])
def test_malformed_date(data_dir, value):
    line = set_cell(data_dir / "projects.csv", 5, "start_date", value)
    problems = problems_of(data_dir)
    assert any(p.line == line and p.field == "start_date" for p in problems)


def test_end_before_start(data_dir):
    set_cell(data_dir / "projects.csv", 5, "start_date", "2026-05-01")
    line = set_cell(data_dir / "projects.csv", 5, "end_date", "2025-05-01")
    (p,) = problems_of(data_dir)
    assert (p.line, p.field) == (line, "end_date")


@pytest.mark.parametrize("lat,lon,hint", [("113.85", "27.62", "swapped"), ("91", "200", "outside China"),
                                          ("north", "113.8", "decimal degrees"), ("0", "0", "outside China")])
def test_malformed_coordinates(data_dir, lat, lon, hint):
    set_cell(data_dir / "projects.csv", 7, "lat", lat)
    line = set_cell(data_dir / "projects.csv", 7, "lon", lon)
    (p,) = problems_of(data_dir)
    assert (p.line, p.field) == (line, "lat/lon")
    assert hint in p.reason


def test_legal_aid_datum_must_be_wgs84(data_dir):
    line = set_cell(data_dir / "legal_aid.csv", 0, "datum", "GCJ-02")
    (p,) = problems_of(data_dir)
    assert (p.file, p.line, p.field) == ("data/legal_aid.csv", line, "datum")


def test_project_in_township_without_officer(data_dir):
    for column in ("officer_name", "officer_mobile", "officer_email", "deputy_name", "deputy_mobile", "deputy_email"):
        set_cell(data_dir / "townships.csv", 0, column, "")
    problems = problems_of(data_dir)
    township = row(data_dir / "townships.csv", 0)["code"]
    assert problems and all("has no officer" in p.reason for p in problems)
    assert all(p.file == "data/projects.csv" and p.field == "township" for p in problems)
    assert len(problems) == sum(1 for i in range(48) if row(data_dir / "projects.csv", i)["township"] == township)


@pytest.mark.parametrize("column", ["name_zh", "general_contractor", "labour_manager", "labour_manager_phone",
                                    "wage_payment_day", "builder"])
def test_required_project_field_missing(data_dir, column):
    line = set_cell(data_dir / "projects.csv", 9, column, "")
    (p,) = problems_of(data_dir)
    assert (p.line, p.field, p.reason) == (line, column, "required field is missing")


def test_unknown_industry_authority(data_dir):
    line = set_cell(data_dir / "projects.csv", 4, "industry_authority", "ministry-of-magic")
    (p,) = problems_of(data_dir)
    assert (p.line, p.field) == (line, "industry_authority")


def test_missing_column_is_reported_once(data_dir):
    path = data_dir / "projects.csv"
    text = path.read_text(encoding="utf-8").splitlines()
    text[0] = text[0].replace("wage_account_bank", "bank")
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    problems = problems_of(data_dir)
    column_problems = [p for p in problems if p.reason == "column is missing from the header row"]
    assert [(p.line, p.field) for p in column_problems] == [(1, "wage_account_bank")]


def test_yaml_problem_names_its_line(data_dir):
    path = data_dir / "county.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    at = next(i for i, text in enumerate(lines) if text.strip().startswith("email: desk@"))
    lines[at] = lines[at].replace("desk@qinghe.example.gov.cn", "not-an-email")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (p,) = problems_of(data_dir)
    assert (p.file, p.line, p.field) == ("data/county.yaml", at + 1, "labour_inspection.email")


def test_broken_yaml_is_a_problem_not_a_traceback(data_dir):
    (data_dir / "county.yaml").write_text("county: [unclosed\n", encoding="utf-8")
    problems = problems_of(data_dir)
    assert problems[0].file == "data/county.yaml" and "not valid YAML" in problems[0].reason


def test_excel_bom_is_accepted(data_dir):
    path = data_dir / "projects.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert len(load_registry(data_dir).projects) == 48


def test_every_problem_reported_at_once(data_dir, monkeypatch):
    set_cell(data_dir / "projects.csv", 1, "township", "nowhere")
    set_cell(data_dir / "projects.csv", 2, "lat", "abc")
    set_cell(data_dir / "townships.csv", 3, "officer_email", "bad")
    set_cell(data_dir / "legal_aid.csv", 4, "phone", "call me")
    problems = problems_of(data_dir)
    assert len(problems) == 4
    monkeypatch.setenv("WAGESAFE_DATA_DIR", str(data_dir))
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    for text in ("projects.csv:3: township", "projects.csv:4: lat/lon", "townships.csv:5: officer_email",
                 "legal_aid.csv:6: phone", "4 problem(s)"):
        assert text in result.output


def test_check_command_passes_on_sample(monkeypatch):
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 0, result.output
    assert "48 projects" in result.output


@pytest.mark.parametrize("n", [1, 250])
def test_synthetic_registry_is_valid(tmp_path, n):
    write_registry(tmp_path / "synth", n, seed=7)
    reg = load_registry(tmp_path / "synth")
    assert len(reg.projects) == n
    assert len({p.name_zh for p in reg.projects.values()}) == n
