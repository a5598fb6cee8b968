"""``make bench`` installs Lighthouse on a fresh machine: bench/lighthouse's lock file is in sync.

``npm ci`` refuses a lock that no longer matches what package.json and the dependencies ask for. It
broke once without anyone touching the repository: Lighthouse's trace engine asks for
``third-party-web@latest``, "latest" moved to 0.30.0, and every fresh ``make bench`` stopped at
"Missing: third-party-web@0.30.0 from lock file". package.json's ``overrides`` now pin every dependency
asked for by a tag, to the version in the lock. The first test asks npm itself, offline (no request
leaves the machine: with an empty cache, a lock that needs the registry to resolve a tag fails); the
second reads the files, so it holds also where npm is missing.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

LIGHTHOUSE = Path(__file__).resolve().parent.parent / "bench" / "lighthouse"


@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed (the file check below still runs)")
def test_npm_ci_accepts_the_committed_lock(tmp_path: Path):
    for name in ("package.json", "package-lock.json"):
        shutil.copy(LIGHTHOUSE / name, tmp_path / name)
    done = subprocess.run(["npm", "ci", "--dry-run", "--offline", "--ignore-scripts", "--no-audit", "--no-fund",
                           "--cache", str(tmp_path / "empty-cache")],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def _is_tag(spec: str) -> bool:
    """A dist-tag ("latest", "next") rather than a version or a range: it resolves differently tomorrow."""
    return bool(re.fullmatch(r"[A-Za-z][\w.-]*", spec)) and spec not in ("x", "X")


def _locked(packages: dict, where: str, name: str) -> dict | None:
    """The lock's entry that Node would load for ``name`` required from ``where`` (a node_modules path)."""
    base = where
    while True:
        entry = packages.get(f"{base}/node_modules/{name}" if base else f"node_modules/{name}")
        if entry is not None:
            return entry
        if not base:
            return None
        base = base.rsplit("/node_modules/", 1)[0] if "/node_modules/" in base else ""


def lock_problems(package: dict, lock: dict) -> list[str]:
    """What would make ``npm ci`` refuse the lock or install something else than it says; [] when in sync."""
    packages = lock.get("packages", {})
    problems = []
    root = packages.get("", {})
    if root.get("dependencies", {}) != package.get("dependencies", {}):
        problems.append("the lock's root dependencies differ from package.json's: run npm install --package-lock-only")
    overrides = package.get("overrides", {})
    for name, version in overrides.items():
        if not isinstance(version, str) or not re.fullmatch(r"\d+\.\d+\.\d+", version):
            problems.append(f"override {name}: {version!r} is not one exact version")
    for where, entry in packages.items():
        for name, spec in {**entry.get("dependencies", {}), **entry.get("optionalDependencies", {})}.items():
            if not _is_tag(spec):
                continue
            target = _locked(packages, where, name)
            pinned = overrides.get(name)
            if pinned is None:
                problems.append(f"{where or 'package.json'} asks for {name}@{spec}, and no override pins it")
            elif target is None or target.get("version") != pinned:
                found = target.get("version") if target else "nothing"
                problems.append(f"{name} is pinned to {pinned} but the lock has {found}")
    return problems


def test_every_tag_a_dependency_asks_for_is_pinned_to_the_locked_version():
    package = json.loads((LIGHTHOUSE / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((LIGHTHOUSE / "package-lock.json").read_text(encoding="utf-8"))
    assert lock_problems(package, lock) == []


def test_lock_check_can_fail():
    """The lock as it was before the overrides is refused, for the reason npm gave."""
    lock = {"packages": {"": {"dependencies": {"lighthouse": "^12.8.2"}},
                         "node_modules/lighthouse": {"version": "12.8.2",
                                                     "dependencies": {"third-party-web": "^0.27.0"}},
                         "node_modules/@paulirish/trace_engine": {"version": "0.0.59",
                                                                  "dependencies": {"third-party-web": "latest"}},
                         "node_modules/third-party-web": {"version": "0.27.0"}}}
    before = {"dependencies": {"lighthouse": "^12.8.2"}}
    assert lock_problems(before, lock) == [
        "node_modules/@paulirish/trace_engine asks for third-party-web@latest, and no override pins it"]
    assert lock_problems({**before, "overrides": {"third-party-web": "0.30.0"}}, lock) == [
        "third-party-web is pinned to 0.30.0 but the lock has 0.27.0"]
    assert lock_problems({**before, "overrides": {"third-party-web": "0.27.0"}}, lock) == []
    assert lock_problems({"dependencies": {"lighthouse": "12.8.2"}}, lock)[0].startswith("the lock's root")
