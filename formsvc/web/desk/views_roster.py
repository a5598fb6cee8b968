"""The duty roster on the desk (值班表): the county desk sets who stands in for a township's
officer and from when to when; everyone signed in may read it. The rule lives in
``formsvc.officers.roster``; this module parses the form (times typed in the county's zone) and
renders."""

from __future__ import annotations

from datetime import datetime

from flask import flash, redirect, render_template, request, url_for

from wagesafe.localtime import zone
from wagesafe.registry import Person
from formsvc.officers import roster
from formsvc.web.context import get_config, get_db, get_registry
from .blueprint import bp
from .session import client_ip, current_user, now


def _local(value: str) -> datetime | None:
    """``2026-03-09T08:00`` (an ``<input type=datetime-local>``) in the county's zone, or ``None``."""
    try:
        dt = datetime.fromisoformat((value or "").strip())
    except ValueError:
        return None
    return dt.replace(tzinfo=zone(get_config().timezone)) if dt.tzinfo is None else dt


@bp.route("/roster", methods=["GET", "POST"])
def duty_roster():
    db, reg, user = get_db(), get_registry(), current_user()
    people = roster.people(reg)
    if request.method == "POST":
        if not user.sees_all:
            return render_template("desk/not_for_role.html", what="修改值班表", who="县监察大队"), 403
        form = request.form
        try:
            if form.get("cancel"):
                if roster.cancel(db, int(form["cancel"]), user_id=user.id, now=now(), ip=client_ip(), registry=reg):
                    flash("已取消这条代岗安排；代岗人手上未办结的案件已交回该镇街专员（案件记录里有说明）。", "ok")
            else:
                who = people.get((form.get("stand_in") or "").lower())
                person = who[0] if who else Person(name=" ".join(form.get("stand_in_name", "").split())[:50],
                                                   mobile=form.get("stand_in_mobile", "").strip()[:20],
                                                   email=form.get("stand_in_email", "").strip()[:120])
                starts, ends = _local(form.get("starts_at", "")), _local(form.get("ends_at", ""))
                if starts is None or ends is None:
                    raise roster.RosterError("请填写开始和结束时间（例如 2026-03-09 08:00）")
                roster.set_entry(db, reg, township=form.get("township", ""), stand_in=person, starts_at=starts,
                                 ends_at=ends, reason=form.get("reason", ""), user_id=user.id, now=now(),
                                 ip=client_ip())
                flash(f"已安排：{person.name} 代岗。这段时间该镇街的新投诉分派给代岗人；工地告示牌不需重印。", "ok")
        except (roster.RosterError, ValueError) as e:
            flash(str(e) if isinstance(e, roster.RosterError) else "无法识别的输入", "error")
            return redirect(url_for("desk.duty_roster")), 303
        return redirect(url_for("desk.duty_roster")), 303
    return render_template("desk/roster.html", entries=roster.upcoming(db, now()), registry=reg, people=people)
