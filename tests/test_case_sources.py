"""The foundation every channel shares: a case's source and source_ref, the worker's SMS consent,
and times in the county's zone (wagesafe.localtime)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from formsvc.case import complaints, sources
from formsvc.case.complaints import ComplaintInput
from formsvc.storage import store
from wagesafe.config import Config
from wagesafe.localtime import format_local, iso_local, to_local
from wagesafe.registry import load_registry

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


@pytest.fixture
def env(tmp_path):
    config = Config.from_env({"WAGESAFE_VAR_DIR": str(tmp_path), "WAGESAFE_DATA_DIR": str(ROOT / "data")})
    db = store.connect(config.database)
    store.migrate(db)
    return db, load_registry(config.data_dir), config


def _submit(env, n: int, **kw):
    db, registry, config = env
    data = ComplaintInput(submission_token=f"tok-{n}", name="王五", mobile="13800138000", description="欠三个月",
                          amount_yuan=12000, workers=3, consent=True, **kw)
    return complaints.submit(db, registry, config, data, [], ip=f"10.0.0.{n}")


def _row(env, cid):
    return env[0].conn.execute("SELECT source, source_ref, sms_consent FROM complaints WHERE id = ?", (cid,)).fetchone()


def test_web_source_follows_the_project(env):
    qr = _submit(env, 1, project_code="qh001")
    general = _submit(env, 2, chosen_township="hexi")
    assert _row(env, qr.complaint_id)[0] == "qr"
    assert _row(env, general.complaint_id)[0] == "web"


def test_source_ref_twice_finds_the_first_case(env):
    first = _submit(env, 1, project_code="qh001", source="national_platform", source_ref="GX2026-0042")
    again = _submit(env, 2, project_code="qh001", source="national_platform", source_ref="GX2026-0042")
    other = _submit(env, 3, project_code="qh001", source="hotline_12345", source_ref="GX2026-0042")
    assert first.created and not again.created and again.complaint_id == first.complaint_id
    assert other.created and other.complaint_id != first.complaint_id  # unique per source only
    assert env[0].conn.execute("SELECT count(*) FROM complaints").fetchone()[0] == 2


def test_sms_consent_never_for_an_anonymous_tip(env):
    named = _submit(env, 1, project_code="qh001", sms_consent=True)
    tip = _submit(env, 2, project_code="qh001", sms_consent=True, anonymous=True)
    refused = _submit(env, 3, project_code="qh001", sms_consent=False)
    assert [_row(env, r.complaint_id)[2] for r in (named, tip, refused)] == [1, 0, 0]


def test_every_source_has_words():
    for code in sources.SOURCES:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in sources.label(code)), code
        assert sources.label(code, "en") and "_" not in sources.label(code, "en")


def test_times_are_read_in_the_county_zone():
    stored = "2026-11-30T23:53:00+00:00"
    assert format_local(stored) == "2026-12-01 07:53"
    assert iso_local(stored) == "2026-12-01T07:53:00+08:00"
    assert to_local(datetime(2026, 11, 30, 23, 53, tzinfo=timezone.utc), "Asia/Urumqi").hour == 5
    assert format_local(None) == "" and format_local(stored, with_zone=True).endswith("北京时间")


def test_timezone_setting_is_checked():
    assert Config.from_env({"TIMEZONE": "Asia/Urumqi"}).timezone == "Asia/Urumqi"
    with pytest.raises(ValueError, match="TIMEZONE"):
        Config.from_env({"TIMEZONE": "Mars/Olympus"})


def _frames(env, tmp_path, name: str, keep_index: bool) -> int:
    """WAL frames (pages) one web complaint writes on a fresh database, with or without the
    (source, source_ref) index."""
    import dataclasses

    _, registry, config = env
    config = dataclasses.replace(config, database=tmp_path / f"{name}.db")
    db = store.open_db(config.database)
    if not keep_index:
        db.conn.execute("DROP INDEX complaints_source_ref")
    db.conn.execute("VACUUM")
    for n in range(4):
        if n == 3:
            db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        data = ComplaintInput(submission_token=f"{name}-{n}", project_code="qh001", name="王五", mobile="13800138000",
                              workers=3, amount_yuan=24000, description="欠薪", consent=True)
        complaints.submit(db, registry, config, data, [], ip=f"10.0.1.{n}")
    frames = db.conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1]
    db.close()
    return frames


def test_source_ref_index_costs_a_web_complaint_no_page(env, tmp_path):
    assert _frames(env, tmp_path, "with", True) == _frames(env, tmp_path, "without", False)
