"""The demo's printed walk (issue 23 finding 9): the form it suggests and the officer sign-in it
prints must belong together, so that submitting from that form and signing in as that officer
opens the case instead of 您无权查看案件. Both come from the routing decision itself."""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

from formsvc.case import complaints
from formsvc.commands.service import demo_walk
from formsvc.officers import auth, roster
from formsvc.storage import store
from wagesafe.config import Config
from wagesafe.registry import load_registry

ROOT = Path(__file__).resolve().parent.parent


def _setup(tmp_path: Path):
    config = Config.from_env({}, data_dir=ROOT / "data", var_dir=tmp_path, database=tmp_path / "w.db",
                             upload_dir=tmp_path / "up", secret_key=secrets.token_hex(8))
    registry = load_registry(config.data_dir)
    db = store.open_db(config.database)
    auth.sync_users(db, registry, demo_password="demo-pass")
    return config, registry, db


def test_the_printed_officer_receives_the_printed_forms_complaint(tmp_path):
    config, registry, db = _setup(tmp_path)
    code, email = demo_walk(registry, db, config)
    project = registry.project(code)
    assert email == registry.townships[project.township].responsible.email.lower()
    # what the walk does: a complaint from that form, then that officer opens it
    result = complaints.submit(db, registry, config, complaints.ComplaintInput(
        submission_token=complaints.new_submission_token(), project_code=code, name="演示", mobile="13700001111",
        amount_yuan=5000, description="演示", consent=True), [], ip="127.0.0.1", rate_limited=False)
    case = dict(next(db.query("SELECT * FROM complaints WHERE id = ?", [result.complaint_id])))
    user = auth.get_user(db, next(db.query("SELECT id FROM users WHERE email = ?", [email]))["id"])
    assert auth.can_view(user, case)
    assert (case["assignee_kind"], case["assignee_code"]) == ("township", project.township)


def test_the_walk_follows_the_duty_roster(tmp_path):
    config, registry, db = _setup(tmp_path)
    code, _ = demo_walk(registry, db, config)
    township = registry.project(code).township
    other = next(t for c, t in registry.townships.items() if c != township)
    now = store.utcnow()
    roster.set_entry(db, registry, township=township, stand_in=other.deputy, starts_at=now,
                     ends_at=now + timedelta(hours=8), reason="年休假", user_id=None, now=now)
    assert demo_walk(registry, db, config, now) == (code, other.deputy.email.lower())
