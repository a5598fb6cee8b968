"""Building many posters: only changed projects are rebuilt, bad settings and bad rows are refused
with a clear message, and one broken project does not stop the others."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from qr.build import build_posters, posters_dir
from qr.errors import BaseUrlError, MissingFieldError
from qr.urls import check_base_url
from tests.registry_edit import set_cell
from wagesafe.cli import main
from wagesafe.config import Config
from wagesafe.registry import load_registry

CODES = ["qh001", "qh002", "qh003"]


def _config(tmp_path: Path, data_dir: Path, **env) -> Config:
    return Config.from_env({"WAGESAFE_SITE_DIR": str(tmp_path / "site"), "WAGESAFE_DATA_DIR": str(data_dir), **env})


def _mtimes(config: Config) -> dict[str, int]:
    return {c: (posters_dir(config) / c / "poster-a4.pdf").stat().st_mtime_ns for c in CODES}


def test_posters_only_changed_projects_are_rebuilt(tmp_path, data_dir):
    config = _config(tmp_path, data_dir)
    first = build_posters(config, load_registry(data_dir), CODES, jobs=1)
    assert sorted(first.built) == CODES
    before = _mtimes(config)

    again = build_posters(config, load_registry(data_dir), CODES, jobs=1)
    assert again.built == [] and sorted(again.unchanged) == CODES
    assert _mtimes(config) == before

    set_cell(data_dir / "projects.csv", 1, "labour_manager_phone", "13900009999")  # qh002
    changed = build_posters(config, load_registry(data_dir), CODES, jobs=1)
    assert changed.built == ["qh002"] and sorted(changed.unchanged) == ["qh001", "qh003"]
    after = _mtimes(config)
    assert after["qh001"] == before["qh001"] and after["qh002"] != before["qh002"]
    manifest = json.loads((posters_dir(config) / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["projects"]) == set(CODES)


def test_posters_new_layout_version_rebuilds_every_project(tmp_path, data_dir, monkeypatch):
    """A changed drawing (``LAYOUT_VERSION`` bumped) rebuilds posters whose values did not change."""
    import qr.content

    config = _config(tmp_path, data_dir)
    build_posters(config, load_registry(data_dir), CODES, jobs=1)
    monkeypatch.setattr(qr.content, "LAYOUT_VERSION", qr.content.LAYOUT_VERSION + "-next")
    assert sorted(build_posters(config, load_registry(data_dir), CODES, jobs=1).built) == CODES


def test_posters_county_value_change_rebuilds_every_project(tmp_path, data_dir):
    config = _config(tmp_path, data_dir)
    build_posters(config, load_registry(data_dir), CODES, jobs=1)
    county_file = data_dir / "county.yaml"
    doc = yaml.safe_load(county_file.read_text(encoding="utf-8"))
    doc["county"]["minimum_wage"]["monthly_yuan"] = 1900
    county_file.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    report = build_posters(config, load_registry(data_dir), CODES, jobs=1)
    assert sorted(report.built) == CODES


def test_posters_missing_file_or_force_rebuilds(tmp_path, data_dir):
    config = _config(tmp_path, data_dir)
    build_posters(config, load_registry(data_dir), CODES, jobs=1)
    (posters_dir(config) / "qh003" / "qr.png").unlink()
    assert build_posters(config, load_registry(data_dir), CODES, jobs=1).built == ["qh003"]
    assert sorted(build_posters(config, load_registry(data_dir), CODES, jobs=1, force=True).built) == CODES


def test_posters_other_base_url_rebuilds(tmp_path, data_dir):
    build_posters(_config(tmp_path, data_dir), load_registry(data_dir), CODES, jobs=1)
    config = _config(tmp_path, data_dir, PUBLIC_BASE_URL="https://wagesafe.example.gov.cn")
    assert sorted(build_posters(config, load_registry(data_dir), CODES, jobs=1).built) == CODES


def test_posters_project_missing_a_field_fails_alone(tmp_path, data_dir):
    """The registry check catches empty required cells; the poster code guards too (a later loader change)."""
    registry = load_registry(data_dir)
    broken = dataclasses.replace(registry.projects["qh002"], gc_project_manager="")
    registry = dataclasses.replace(registry, projects={**registry.projects, "qh002": broken})
    config = _config(tmp_path, data_dir)
    report = build_posters(config, registry, CODES, jobs=1)
    assert sorted(report.built) == ["qh001", "qh003"]
    assert len(report.errors) == 1
    code, message = report.errors[0]
    assert code == "qh002" and "qh002" in message and "gc_project_manager" in message
    assert not (posters_dir(config) / "qh002").exists()


def test_posters_pool_builds_with_two_processes(tmp_path, data_dir):
    config = _config(tmp_path, data_dir)
    codes = sorted(load_registry(data_dir).projects)[:12]
    report = build_posters(config, load_registry(data_dir), codes, jobs=2, formats=("a4",))
    assert sorted(report.built) == codes and report.errors == []
    assert all((posters_dir(config) / c / "poster-a4.pdf").stat().st_size > 10_000 for c in codes)


@pytest.mark.parametrize("url", ["", "ftp://example.org", "https://", "https://example.org/wagesafe",
                                 "https://example.org?x=1", "https://user:pw@example.org", "https://exa mple.org",
                                 "https://example.org:99999"])
def test_posters_bad_base_url_is_refused(url):
    with pytest.raises(BaseUrlError):
        check_base_url(url, production=False)


def test_posters_base_url_rules_in_production():
    assert check_base_url("https://WageSafe.example.gov.cn/", production=True) == "https://wagesafe.example.gov.cn"
    assert check_base_url("http://127.0.0.1:8000", production=False) == "http://127.0.0.1:8000"
    with pytest.raises(BaseUrlError, match="https"):
        check_base_url("http://wagesafe.example.gov.cn", production=True)
    with pytest.raises(BaseUrlError):
        check_base_url("https://localhost", production=True)


def _run(args: list[str], env: dict[str, str]):
    return CliRunner().invoke(main, args, env=env)


def test_posters_cli_builds_and_reports(tmp_path, data_dir):
    env = {"WAGESAFE_SITE_DIR": str(tmp_path / "site"), "WAGESAFE_DATA_DIR": str(data_dir)}
    result = _run(["posters", "qh001", "QH002", "--jobs", "1"], env)
    assert result.exit_code == 0, result.output
    assert "2 built" in result.output
    assert (tmp_path / "site" / "posters" / "qh002" / "poster-a3.pdf").exists()
    assert "0 built, 2 unchanged" in _run(["posters", "qh001", "qh002"], env).output


def test_posters_cli_unknown_code_is_named(tmp_path, data_dir):
    env = {"WAGESAFE_SITE_DIR": str(tmp_path / "site"), "WAGESAFE_DATA_DIR": str(data_dir)}
    result = _run(["posters", "qh001", "nosuch9"], env)
    assert result.exit_code == 1 and "nosuch9" in result.output
    assert not (tmp_path / "site" / "posters" / "qh001").exists()


def test_posters_cli_refuses_http_in_production(tmp_path, data_dir):
    env = {"WAGESAFE_SITE_DIR": str(tmp_path / "site"), "WAGESAFE_DATA_DIR": str(data_dir),
           "WAGESAFE_ENV": "production", "PUBLIC_BASE_URL": "http://wagesafe.example.gov.cn"}
    result = _run(["posters", "qh001"], env)
    assert result.exit_code == 1 and "https" in result.output and "Traceback" not in result.output


def test_posters_cli_invalid_registry_prints_the_report(tmp_path, data_dir):
    set_cell(data_dir / "projects.csv", 0, "builder", "")
    env = {"WAGESAFE_SITE_DIR": str(tmp_path / "site"), "WAGESAFE_DATA_DIR": str(data_dir)}
    result = _run(["posters"], env)
    assert result.exit_code == 1 and "builder" in result.output and "Traceback" not in result.output


def test_posters_cli_missing_county_value_fails_with_field(tmp_path, data_dir):
    """arbitration_phone is optional for the registry but the notice must show it: exit 1, field named."""
    county_file = data_dir / "county.yaml"
    doc = yaml.safe_load(county_file.read_text(encoding="utf-8"))
    del doc["county"]["arbitration_phone"]
    county_file.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    env = {"WAGESAFE_SITE_DIR": str(tmp_path / "site"), "WAGESAFE_DATA_DIR": str(data_dir)}
    result = _run(["posters", "qh001", "qh002", "--jobs", "1"], env)
    assert result.exit_code == 1
    assert "qh001" in result.output and "qh002" in result.output and "arbitration_phone" in result.output


def test_missing_field_error_names_project_and_field():
    message = str(MissingFieldError("qh007", "labour_manager"))
    assert "qh007" in message and "labour_manager" in message
