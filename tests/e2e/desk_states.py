"""A case in each state the desk shows, made through the case's own functions on a running demo's database.

The browser walk (test_e2e_desk_walk.py) needs cases that went every way a case goes: new,
acknowledged, passed to another township, passed to a department, resolved with part of the money
paid, closed as not substantiated, reopened by the worker's answer, and sent to another county.
They are made the way the service makes them (``complaints.submit``, ``formsvc.case.cases``,
``answers.record_answer``, ``county_transfer.start``) on the demo's real SQLite file, so that the
pages show what an officer would meet, events and notices included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from formsvc.case import answers, cases, complaints, outcomes
from formsvc.officers import auth
from formsvc.storage import store
from wagesafe.config import Config
from wagesafe.registry import load_registry

EDITOR = "walk.editor@qinghe.example.gov.cn"
STATES = ("new", "acknowledged", "to_township", "to_department", "partly_paid", "unfounded", "reopened",
          "to_county")


@dataclass
class Seeded:
    """The cases made (state → case id) and who acts on them."""

    case_ids: dict
    township: str          # the township every case was first routed to
    township_officer: str  # who receives them there (the routing's recipient, email)
    other_township: str    # where "to_township" went
    department: str        # where "to_department" went


def _partners(config):
    """The partner counties, through whichever loader the registry offers (i24 may rename it)."""
    from wagesafe.registry import partners

    for name in ("load_partners", "load"):
        if hasattr(partners, name):
            return getattr(partners, name)(config.data_dir)
    raise AssertionError("wagesafe.registry.partners has no loader")


def _send_and_deliver(db, registry, config, case_id: int, actor: str, now) -> None:
    """转送外县, then the other county's answer, as the Open311 sender records it when the partner
    accepts the request (``Open311Sender._record``: its id and receipt), then the duty that tells the
    case (``remote_follow.settle``: status 转送外县, the delivered event, the worker's SMS). No second
    county runs in the walk (tests/test_county_transfer.py drives two real ones); the demo has no key
    for the partner, so its notice worker may give the request up first: that transfer is withdrawn
    (撤回, as the desk would) and sent again."""
    import time

    from formsvc.case import county_transfer
    from formsvc.duties import remote_follow

    partners = _partners(config)
    county = next(iter(partners.counties))
    for _attempt in range(5):
        county_transfer.start(db, partners, config, case_id, actor, county, "欠薪发生地在外县", "外县某镇工业大道12号", now)
        transfer_id = max(r["id"] for r in db.query("SELECT id FROM county_transfers WHERE complaint_id = ?", [case_id]))
        deadline, answered = time.monotonic() + 20, None
        while answered is None:
            with store.write_transaction(db):
                settled = db.conn.execute("SELECT settled_kind FROM county_transfers WHERE id = ?",
                                          (transfer_id,)).fetchone()[0]
                done = 0 if settled else db.conn.execute(
                    "UPDATE notices SET status = 'sent', sent_at = ?, last_error = ''"
                    " WHERE dedupe_key = ? AND status IN ('pending', 'dead')",
                    (store.iso(now), f"county-transfer:{transfer_id}")).rowcount
                if done:
                    db.conn.execute("UPDATE county_transfers SET remote_id = ?, delivered_at = ?, remote_receipt = ?,"
                                    " remote_status = 'open' WHERE id = ?",
                                    (f"BS-{case_id:05d}", store.iso(now), f"BS{case_id:04d}-WALK", transfer_id))
            if done or settled:
                answered = bool(done)
            else:  # the demo's worker holds the row for a moment
                assert time.monotonic() < deadline, "the transfer's notice stayed claimed by the demo's worker"
                time.sleep(0.2)
        remote_follow.settle(db, registry, config, now)
        if answered:
            break
        county_transfer.cancel(db, case_id, transfer_id, actor, now)
    status = next(db.query("SELECT status FROM complaints WHERE id = ?", [case_id]))["status"]
    assert status == "transferred_out", f"the walk's transfer to another county was not delivered ({status})"


def seed(env: dict, project_code: str | None = None) -> Seeded:
    """Make one case per state in ``STATES`` for a project (default: the registry's first)."""
    config = Config.from_env(env)
    registry = load_registry(config.data_dir)
    project = registry.projects[project_code] if project_code else next(iter(registry.projects.values()))
    township = project.township
    other = next(code for code in registry.townships if code != township)
    department = registry.industry_authority(project).code
    db = store.open_db(config.database)
    try:
        now = store.utcnow() - timedelta(hours=3)
        officer = registry.townships[township].responsible.email.lower()

        def new(n: int) -> int:
            data = complaints.ComplaintInput(
                submission_token=complaints.new_submission_token(), project_code=project.code,
                name="走查工人", mobile=f"1370000{n:04d}", workers=3, amount_yuan=12000, months_owed=2,
                owed_by_kind="company", owed_by_name="某劳务公司", trade="钢筋工",
                description=f"浏览器走查用的投诉（{n}）：两个月工资没有发。", consent=True, sms_consent=True)
            result = complaints.submit(db, registry, config, data, [], ip="127.0.0.1", now=now,
                                       rate_limited=False)
            return result.complaint_id

        ids = {state: new(i) for i, state in enumerate(STATES)}
        later = now + timedelta(minutes=30)
        for state in STATES[1:]:
            if state not in ("to_township", "to_department"):
                cases.acknowledge(db, ids[state], officer, later)
        cases.transfer(db, registry, config, ids["to_township"], officer, "township", other,
                       "工地实际在邻镇", later)
        cases.transfer(db, registry, config, ids["to_department"], officer, "department", department,
                       "在建项目，请行业主管部门督促总包", later)
        done = later + timedelta(hours=1)
        partly = outcomes.check("partly_paid", amount="8000", left="4000", claimed_yuan=12000)
        for state in ("partly_paid", "reopened"):
            cases.record_outcome(db, ids[state], officer, partly, done, note="总包已付 8000 元，余款约定下月付清")
        unfounded = outcomes.check("not_substantiated", text="经核对考勤和工资表，工资已按月发放")
        cases.record_outcome(db, ids["unfounded"], officer, unfounded, done)
        answers.record_answer(db, registry, config, ids["reopened"], "no", "not_satisfied", "余款没有拿到",
                              done + timedelta(minutes=20))
        _send_and_deliver(db, registry, config, ids["to_county"], registry.county.desk.email, done)
        if "editor" in auth.ROLES:  # issue 26: an editor-only account, granted by the admin, signs in by link
            admin = auth.get_user(db, next(db.query("SELECT id FROM users WHERE role = 'admin' AND active = 1"))["id"])
            auth.grant_editor(db, admin, EDITOR, "走查编辑", done)
    finally:
        db.close()
    return Seeded(case_ids=ids, township=township, township_officer=officer, other_township=other,
                  department=department)
