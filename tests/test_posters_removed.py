"""A project removed from the registry loses its posters at the next full build: the portal would
keep serving a notice whose QR code leads nowhere. Only folders the builder wrote are removed;
anything else in the posters directory, and every folder after a build of some codes, stays."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from qr.build import build_posters, posters_dir
from qr.render import FILE_NAMES
from wagesafe.cli import main
from wagesafe.config import Config
from wagesafe.registry import load_registry

CODES = ["qh001", "qh002", "qh003"]  # a full build of the whole sample (48 projects) costs seconds
GONE = "qh002"


def _keep_rows(path: Path, column: str, keep) -> None:
    """Rewrite a registry CSV with only the rows whose ``column`` passes ``keep``."""
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        fieldnames, rows = reader.fieldnames, list(reader)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fieldnames, lineterminator="\n")
        writer.writeheader()
        writer.writerows(r for r in rows if keep(r[column]))


def _only(data_dir: Path, codes: list[str]) -> None:
    """Cut the copied registry to ``codes`` (their subcontractors too: the check refuses orphans)."""
    _keep_rows(data_dir / "projects.csv", "code", lambda c: c in codes)
    _keep_rows(data_dir / "subcontractors.csv", "project", lambda c: c in codes)


@pytest.fixture
def small(tmp_path: Path, data_dir: Path) -> tuple[Config, Path]:
    """The sample registry cut to CODES, with all their posters built."""
    _only(data_dir, CODES)
    config = Config.from_env({"WAGESAFE_SITE_DIR": str(tmp_path / "site"), "WAGESAFE_DATA_DIR": str(data_dir)})
    report = build_posters(config, load_registry(data_dir), jobs=1)
    assert sorted(report.built) == CODES and report.errors == [] and report.removed == []
    return config, data_dir


def _mtimes(out: Path, codes: list[str]) -> dict[str, int]:
    return {f"{c}/{n}": (out / c / n).stat().st_mtime_ns for c in codes for n in FILE_NAMES.values()}


def test_removed_project_loses_its_posters_others_untouched(small):
    config, data_dir = small
    out = posters_dir(config)
    kept = [c for c in CODES if c != GONE]
    before = _mtimes(out, kept)
    _only(data_dir, kept)

    report = build_posters(config, load_registry(data_dir), jobs=1)
    assert report.removed == [GONE] and report.left_alone == []
    assert sorted(report.unchanged) == kept and report.built == []
    assert not (out / GONE).exists()
    assert _mtimes(out, kept) == before
    assert (out / "manifest.json").is_file()


def test_foreign_entries_and_symlinks_are_left_alone_and_named(small, tmp_path):
    config, data_dir = small
    out = posters_dir(config)
    (out / "archive-2025").mkdir()  # named like a project code, but an operator's folder
    (out / "archive-2025" / "notes.txt").write_text("old posters, keep")
    (out / "README.txt").write_text("posters are built by `wagesafe posters`")
    (out / "Old_Posters").mkdir()  # not a project code at all
    (out / "qh009").mkdir()  # a removed project's folder with a file the builder never writes
    (out / "qh009" / "poster-a4.pdf").write_bytes(b"%PDF")
    (out / "qh009" / "signed-scan.jpg").write_bytes(b"\xff\xd8")
    elsewhere = tmp_path / "elsewhere" / "qh008"  # a symlinked folder: its target must never be touched
    elsewhere.mkdir(parents=True)
    (elsewhere / "poster-a4.pdf").write_bytes(b"%PDF")
    (out / "qh008").symlink_to(elsewhere, target_is_directory=True)
    (out / "qh007").mkdir()  # poster names, but one is a symlink to a file elsewhere
    (out / "qh007" / "qr.svg").symlink_to(elsewhere / "poster-a4.pdf")
    _only(data_dir, ["qh001", "qh003"])

    report = build_posters(config, load_registry(data_dir), jobs=1)
    assert report.removed == [GONE]
    left = dict(report.left_alone)
    assert set(left) == {"archive-2025", "README.txt", "Old_Posters", "qh007", "qh008", "qh009"}
    assert "signed-scan.jpg" in left["qh009"] and "symlink" in left["qh008"] and "qr.svg" in left["qh007"]
    assert (out / "archive-2025" / "notes.txt").is_file() and (out / "README.txt").is_file()
    assert (out / "Old_Posters").is_dir()
    assert sorted(os.listdir(out / "qh009")) == ["poster-a4.pdf", "signed-scan.jpg"]
    assert (out / "qh008").is_symlink() and (elsewhere / "poster-a4.pdf").read_bytes() == b"%PDF"
    assert (out / "qh007" / "qr.svg").is_symlink()


def test_partial_build_removes_nothing(small):
    config, data_dir = small
    out = posters_dir(config)
    _only(data_dir, ["qh001", "qh003"])
    report = build_posters(config, load_registry(data_dir), ["qh001"], jobs=1)
    assert report.removed == [] and report.left_alone == []
    assert sorted(os.listdir(out / GONE)) == sorted(FILE_NAMES.values())


def test_a_folder_this_countys_manifest_does_not_list_is_left_alone(small):
    """Issue 24: only what this county's manifest says it wrote is pruned; a folder of poster-like files
    it never wrote (another county's, a copy by hand) stays and is named."""
    config, data_dir = small
    out = posters_dir(config)
    (out / "qh048").mkdir()
    (out / "qh048" / "qr.png").write_bytes(b"\x89PNG")
    (out / "qh047").mkdir()
    report = build_posters(config, load_registry(data_dir), jobs=1)
    assert report.removed == [] and (out / "qh048" / "qr.png").exists() and (out / "qh047").is_dir()
    assert {name for name, why in report.left_alone if "manifest does not list" in why} == {"qh047", "qh048"}


def test_another_countys_posters_directory_is_refused(small):
    """Two demos pointed at one site directory: the second county's build changes nothing of the first's."""
    import json

    from qr.build import PosterError

    config, data_dir = small
    out = posters_dir(config)
    doc = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert doc["county"] == "qinghe"
    doc["county"] = "baishui"
    (out / "manifest.json").write_text(json.dumps(doc), encoding="utf-8")
    before = sorted(p.name for p in out.iterdir())
    _only(data_dir, ["qh001"])
    with pytest.raises(PosterError, match="属于 baishui"):
        build_posters(config, load_registry(data_dir), jobs=1)
    assert sorted(p.name for p in out.iterdir()) == before


def _run(args: list[str], config: Config, data_dir: Path):
    env = {"WAGESAFE_SITE_DIR": str(config.site_dir), "WAGESAFE_DATA_DIR": str(data_dir)}
    return CliRunner().invoke(main, ["posters", "--jobs", "1", *args], env=env)


def test_cli_names_the_removed_code_and_keep_removed_keeps_it(small):
    config, data_dir = small
    out = posters_dir(config)
    _only(data_dir, ["qh001", "qh003"])

    kept = _run(["--keep-removed"], config, data_dir)
    assert kept.exit_code == 0, kept.output
    assert "0 removed" in kept.output and (out / GONE / "poster-a4.pdf").is_file()

    partial = _run(["qh001"], config, data_dir)
    assert partial.exit_code == 0 and "0 removed" in partial.output and (out / GONE).is_dir()

    (out / "notes").mkdir()
    (out / "notes" / "todo.txt").write_text("reprint qh003")
    result = _run([], config, data_dir)
    assert result.exit_code == 0, result.output
    assert f"removed: posters of {GONE}" in result.output and "1 removed" in result.output
    assert "left alone:" in result.output and "notes" in result.output
    assert not (out / GONE).exists() and (out / "notes" / "todo.txt").is_file()
