"""一日一报 and cases sent to another county: each night's snapshot knows where the case was.

A case delivered to 白水县 is not this county's to be late on while it is there, even when the report
of that night is built after 白水县 gave it back (its row then says 已受理 here again); a case that came
back and left again counts here for the nights it was here, on the clock from its return. The events
are written as ``formsvc.duties.remote_follow`` writes them (the timeline, then the row).
"""

from __future__ import annotations

from datetime import timedelta

from formsvc.case import cases
from formsvc.duties import daily_report
from formsvc.storage import store
from tests.desk_fixtures import HEXI, insert_case
from tests.test_daily_report import DAY, MORNING_AFTER, START


def _event(db, cid, at, kind):
    db.conn.execute("INSERT INTO events (complaint_id, at, actor, kind, detail, public) VALUES (?, ?, 'system', ?, '', 1)",
                    (cid, store.iso(at), kind))


def _overdue(desk, day):
    return daily_report.build(desk.db, desk.registry, desk.config, day).rows["hexi"].overdue


def test_a_case_with_the_other_county_that_night_is_not_overdue_here(desk):
    """Filed 45 days before DAY, delivered to 白水县 10 days before, given back the morning after DAY
    (before DAY's report is built): that night it was 白水县's, not overdue here."""
    db = desk.db
    cid = insert_case(db, township="hexi", created_at=START - timedelta(days=45))
    cases.acknowledge(db, cid, HEXI, START - timedelta(days=44))
    back = MORNING_AFTER - timedelta(hours=1)
    with store.write_transaction(db):
        _event(db, cid, START - timedelta(days=10, hours=-1), "county_transfer_delivered")
        db.conn.execute("UPDATE complaints SET status = 'transferred_out' WHERE id = ?", (cid,))
    assert _overdue(desk, DAY - timedelta(days=11)) == 1  # still here that night, 35 days old: overdue
    assert _overdue(desk, DAY) == 0                       # with 白水县 that night
    with store.write_transaction(db):
        _event(db, cid, back, "county_transfer_returned")
        db.conn.execute("UPDATE complaints SET status = 'acknowledged', deadlines_from = ? WHERE id = ?",
                        (store.iso(back), cid))
    assert _overdue(desk, DAY - timedelta(days=11)) == 1
    assert _overdue(desk, DAY) == 0                       # built after the return: still 白水县's that night
    assert _overdue(desk, DAY + timedelta(days=1)) == 0   # back here, on the clock from the return
    assert _overdue(desk, DAY + timedelta(days=31)) == 1  # 30 days after the return, still open


def test_a_case_back_here_then_sent_again_counts_here_for_the_nights_between(desk):
    """Delivered 50 days before DAY, given back 31 days before, delivered again after DAY: on DAY it
    was here, 31 days on the clock from its return (overdue); before the return it was not here."""
    db = desk.db
    cid = insert_case(db, township="hexi", created_at=START - timedelta(days=60))
    cases.acknowledge(db, cid, HEXI, START - timedelta(days=59))
    back = START - timedelta(days=31)
    with store.write_transaction(db):
        _event(db, cid, START - timedelta(days=50), "county_transfer_delivered")
        _event(db, cid, back, "county_transfer_returned")
        _event(db, cid, MORNING_AFTER - timedelta(hours=1), "county_transfer_delivered")
        db.conn.execute("UPDATE complaints SET status = 'transferred_out', deadlines_from = ? WHERE id = ?",
                        (store.iso(back), cid))
    assert _overdue(desk, DAY) == 1
    assert _overdue(desk, DAY - timedelta(days=29)) == 0  # here 2 days since the return: not yet
    assert _overdue(desk, DAY - timedelta(days=40)) == 0  # with the other county that night
    assert _overdue(desk, DAY + timedelta(days=1)) == 0   # gone again


def test_a_withdrawn_old_transfer_is_back_here_that_night(desk):
    """Before issue 24 a transfer closed the case when asked (``transferred_out``); withdrawn, it came
    back (acknowledged) and has been here since, then was sent again after DAY."""
    db = desk.db
    cid = insert_case(db, township="hexi", created_at=START - timedelta(days=40))
    cases.acknowledge(db, cid, HEXI, START - timedelta(days=39))
    with store.write_transaction(db):
        _event(db, cid, START - timedelta(days=20), "transferred_out")
        _event(db, cid, START - timedelta(days=19), "transfer_out_withdrawn")
        _event(db, cid, MORNING_AFTER - timedelta(hours=1), "county_transfer_delivered")
        db.conn.execute("UPDATE complaints SET status = 'transferred_out' WHERE id = ?", (cid,))
    assert _overdue(desk, DAY - timedelta(days=20)) == 0  # sent that night (the old way)
    assert _overdue(desk, DAY) == 1                       # back here since, 40 days old: overdue
