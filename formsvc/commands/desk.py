"""Desk commands: ``escalate``, ``report``, ``redact``, ``users``.

Each parses its options, calls one library function and prints what it did. ``escalate`` and
``report`` are what a systemd timer (or an operator) runs when the worker loop is not running;
both are idempotent, like ``formsvc.duties.scheduler.tick``; so is ``redact``, which the worker loop
also runs and an operator runs by hand to see (``--dry-run``) what the retention period removes.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import click

from formsvc.storage.store import open_db, utcnow


def _registry(config):
    from wagesafe.registry.commands import load_or_exit

    return load_or_exit(config)


def _parse_now(text: str | None) -> datetime:
    if not text:
        return utcnow()
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"not an ISO time: {text!r} (e.g. 2026-03-01T09:00+08:00)") from None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


@click.command()
@click.option("--now", "now_text", default=None, help="pretend it is this time (ISO 8601; UTC if no offset)")
@click.pass_obj
def escalate(config, now_text):
    """Escalate unacknowledged cases and remind/escalate unresolved ones (idempotent)."""
    from formsvc.duties.escalation import run

    lines = run(open_db(config.database), _registry(config), config, _parse_now(now_text))
    for line in lines:
        click.echo(line)
    click.echo(f"{len(lines)} action(s)")


@click.command()
@click.option("--day", default=None,
              help="send this one Asia/Shanghai day YYYY-MM-DD by hand (default: every day that is due and unsent)")
@click.option("--now", "now_text", default=None, help="pretend it is this time (ISO 8601; UTC if no offset)")
@click.pass_obj
def report(config, day, now_text):
    """Send the daily report (一日一报, 零报告 when all zero) to the county desk, once per day.

    Without --day: like the worker loop, every day whose report is due (yesterday's after 08:00
    Beijing time) and not yet sent, oldest first, so days missed while nothing ran are caught up
    (at most the last 14; older ones are named in the first report). Sends nothing twice."""
    from formsvc.duties import daily_report

    now = _parse_now(now_text)
    db, reg = open_db(config.database), _registry(config)
    if not day:
        lines = daily_report.send_due(db, reg, config, now)
        for line in lines:
            click.echo(line)
        if not lines:
            click.echo("nothing to send: every due day was already sent (yesterday's is due after 08:00 Beijing time)")
        return
    try:
        d = date.fromisoformat(day)
    except ValueError:
        raise click.BadParameter(f"not a day: {day!r} (YYYY-MM-DD)") from None
    if daily_report.send(db, reg, config, d, now):
        click.echo(f"daily report {d.isoformat()} queued for {reg.county.desk.email}")
    else:
        click.echo(f"daily report {d.isoformat()} was already sent")


@click.command()
@click.option("--now", "now_text", default=None, help="pretend it is this time (ISO 8601; UTC if no offset)")
@click.option("--dry-run", is_flag=True, help="only say which cases are due; change nothing")
@click.pass_obj
def redact(config, now_text, dry_run):
    """Delete workers' personal data in cases closed longer than PERSONAL_DATA_RETENTION_DAYS (idempotent)."""
    from formsvc.duties import retention

    now = _parse_now(now_text)
    days = config.personal_data_retention_days
    if days <= 0:
        click.echo("PERSONAL_DATA_RETENTION_DAYS is 0: personal data is kept; nothing to do")
        return
    db = open_db(config.database)
    lines = retention.describe_due(db, config, now) if dry_run else retention.redact_due(db, config, now)
    for line in lines:
        click.echo(line)
    if dry_run:
        click.echo(f"dry run: nothing changed; cases closed on or before {retention.cutoff(config, now)} are due")
    else:
        click.echo(f"{len(lines)} case(s) redacted (retention {days} days)")


@click.group()
def users():
    """Officer accounts: sync from the registry, set a password, list."""


@users.command("sync")
@click.option("--demo-password", default=None, help="set this password on every account (demo only)")
@click.pass_obj
def users_sync(config, demo_password):
    """Create/update accounts for every officer, deputy, department, the county desk and admin."""
    from formsvc.officers.auth import sync_users

    if demo_password and config.production:
        raise click.ClickException("--demo-password is refused in production")
    counts = sync_users(open_db(config.database), _registry(config), demo_password=demo_password)
    click.echo(", ".join(f"{k} {v}" for k, v in counts.items()))


@users.command("set-password")
@click.argument("email")
@click.password_option()
@click.pass_obj
def users_set_password(config, email, password):
    """Set the password of one account (asked twice, never echoed)."""
    from formsvc.officers.auth import set_password

    try:
        ok = set_password(open_db(config.database), email, password)
    except ValueError as e:
        raise click.ClickException(str(e)) from None
    if not ok:
        raise click.ClickException(f"no account {email}; run `wagesafe users sync` first")
    click.echo(f"password set for {email}")


@users.command("sign-out")
@click.argument("email")
@click.pass_obj
def users_sign_out(config, email):
    """End every desk session of one account at once (a lost phone, a colleague who left)."""
    from formsvc.officers import sessions
    from formsvc.officers.auth import find_user
    from formsvc.storage.store import utcnow

    db = open_db(config.database)
    user = find_user(db, email)
    if user is None:
        raise click.ClickException(f"no account {email}")
    n = sessions.end_all(db, user.id, utcnow(), "signed out everywhere (wagesafe users sign-out)")
    click.echo(f"{n} session(s) of {email} ended")


@users.command("list")
@click.pass_obj
def users_list(config):
    """Every account: email, role, scope, active, whether a password is set."""
    db = open_db(config.database)
    for r in db.query("SELECT email, name, role, scope_code, active, password_hash != '' AS has_pw FROM users"
                      " ORDER BY role, scope_code, email"):
        click.echo(f"{r['email']}\t{r['role']}\t{r['scope_code'] or '-'}\t{'active' if r['active'] else 'inactive'}"
                   f"\t{'password' if r['has_pw'] else 'link only'}\t{r['name']}")


commands: list = [escalate, report, redact, users]
