"""Officer accounts, sign-in and the one authorization rule for cases. No Flask in here.

Why it is shaped this way:
- Accounts come from the registry (``sync_users``): the registry already says who the
  township officers, deputies, department contacts and county desk are, so an editor who
  changes an officer there changes who may sign in. Accounts no longer in the registry are
  deactivated, never deleted (the audit log and notes still point at them).
- Two ways in: a password hashed with argon2, or a one-time link sent by email (officers
  reach the desk from a notice on their phone; typing a password there is what they skip).
  Link tokens are stored only as SHA-256 hashes, expire after 15 minutes and work once.
- Repeated failures lock that account *from that address* for a while, and an address that fails
  on many accounts (rows in ``rate_events``, shared by every gunicorn worker), so a password
  cannot be guessed online — and a stranger cannot lock an officer out: the officer's own
  address, with the right password, still gets in (issue 15). nginx limits sign-in attempts too.
- Guesses spread over many addresses are slowed per account (issue 25): past ``SLOW_AFTER``
  failures on one account within a day, each password attempt must wait a growing delay after the
  last failure (2 s, 4 s, ... up to 15 minutes), without the password being checked, and the
  account's owner is emailed once when it starts. The real officer is never locked out: a browser
  they signed in from before (a signed cookie the desk set, ``known_device``) skips the delay, and
  the one-time email link always works.
- Sessions live on the server (``formsvc.officers.sessions``): a password change ends them all.
- ``can_view``, ``can_act``, ``can_see_personal`` and ``scope_sql`` are the ONLY places that
  decide who sees what; every route, download and export calls them.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlite_utils
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from formsvc.notify import outbox
from formsvc.storage.store import iso, utcnow, write_transaction
from wagesafe.localtime import DEFAULT_ZONE, format_local

ROLES = ("township", "department", "county", "admin", "editor")
ROLE_ZH = {"township": "镇街专员", "department": "行业部门", "county": "县监察大队", "admin": "管理员",
           "editor": "门户编辑"}
ADMIN_EMAIL = "admin@wagesafe.localhost"
LINK_MINUTES = 15
LOCK_FAILURES = 5          # failed sign-ins per account from one address (or per address, x4) ...
LOCK_WINDOW_MINUTES = 15   # ... within this window lock further attempts
LINK_REQUESTS_PER_HOUR = 5
SLOW_AFTER = 10            # failed sign-ins on one account, from any addresses, within a day ...
SLOW_WINDOW = timedelta(hours=24)
SLOW_MAX_SECONDS = 15 * 60  # ... then each attempt waits 2, 4, 8 ... seconds after the last, at most this
OPEN_STATUSES = ("new", "acknowledged", "in_progress", "transferred")

_hasher = PasswordHasher()


@dataclass(frozen=True)
class User:
    id: int
    email: str
    name: str
    role: str
    scope_code: str
    active: bool = True
    editor: bool = False

    @property
    def sees_all(self) -> bool:
        return self.role in ("county", "admin")

    @property
    def can_edit(self) -> bool:
        """May edit the portal's content (updates, projects, legal-aid places, officers): the county
        desk and the admin, who grant it, and whoever they granted it to (``grant_editor``)."""
        return self.active and (self.sees_all or self.role == "editor" or self.editor)


def _user(row) -> User | None:
    if not row:
        return None
    return User(id=row["id"], email=row["email"], name=row["name"], role=row["role"], scope_code=row["scope_code"],
                active=bool(row["active"]), editor=bool(row["editor"]) if "editor" in row.keys() else False)


def get_user(db: sqlite_utils.Database, user_id: int) -> User | None:
    rows = list(db.query("SELECT * FROM users WHERE id = ?", [user_id]))
    return _user(rows[0]) if rows else None


def find_user(db: sqlite_utils.Database, email: str) -> User | None:
    rows = list(db.query("SELECT * FROM users WHERE email = ? COLLATE NOCASE", [(email or "").strip()]))
    return _user(rows[0]) if rows else None


# ---------------------------------------------------------------- accounts from the registry

def registry_accounts(registry) -> list[dict]:
    """Who should have an account, read from the registry: one dict per email (first one wins)."""
    wanted: dict[str, dict] = {}

    def add(email, name, role, scope=""):
        email = (email or "").strip().lower()
        if email and email not in wanted:
            wanted[email] = {"email": email, "name": name or email, "role": role, "scope_code": scope}

    for t in registry.townships.values():
        for person in (t.officer, t.deputy):
            if person is not None:
                add(person.email, person.name, "township", t.code)
    for d in registry.departments.values():
        add(d.contact.email, d.contact.name or d.name_zh, "department", d.code)
    desk = registry.county.desk
    add(desk.email, desk.name_zh, "county", "")
    add(ADMIN_EMAIL, "管理员 Admin", "admin", "")
    return list(wanted.values())


def sync_users(db: sqlite_utils.Database, registry, demo_password: str | None = None,
               now: datetime | None = None) -> dict[str, int]:
    """Create or update an account for everyone the registry names; deactivate the rest.

    With ``demo_password`` every synced account gets that password (the demo only: one hash
    is computed and shared, which is fine for a password everybody knows anyway).
    Returns counts: ``created``, ``updated``, ``deactivated``.

    :raises wagesafe.county_identity.CountyMismatch: the database is another county's (issue 24):
        nobody is deactivated.
    """
    from formsvc.storage import county_identity
    from formsvc.storage.store import utcnow

    now = now or utcnow()
    county_identity.bind(db, registry.county.code, now)
    demo_hash = hash_password(demo_password) if demo_password else None
    counts = {"created": 0, "updated": 0, "deactivated": 0}
    wanted = registry_accounts(registry)
    with write_transaction(db):
        for acc in wanted:
            row = list(db.query("SELECT id FROM users WHERE email = ? COLLATE NOCASE", [acc["email"]]))
            if row:
                db.conn.execute("UPDATE users SET name = ?, role = ?, scope_code = ?, active = 1 WHERE id = ?",
                                (acc["name"], acc["role"], acc["scope_code"], row[0]["id"]))
                counts["updated"] += 1
                if demo_hash:
                    db.conn.execute("UPDATE users SET password_hash = ? WHERE id = ?", (demo_hash, row[0]["id"]))
            else:
                db.conn.execute(
                    "INSERT INTO users (email, name, role, scope_code, password_hash, active, created_at)"
                    " VALUES (?, ?, ?, ?, ?, 1, ?)",
                    (acc["email"], acc["name"], acc["role"], acc["scope_code"], demo_hash or "", iso(now)))
                counts["created"] += 1
        emails = [a["email"] for a in wanted]
        marks = ",".join("?" * len(emails))
        # editor-only accounts (role editor) are made on the desk, not by the registry: they stay
        cur = db.conn.execute(f"UPDATE users SET active = 0 WHERE active = 1 AND role != 'editor'"
                              f" AND lower(email) NOT IN ({marks})", emails)
        counts["deactivated"] = cur.rowcount
    return counts


# ---------------------------------------------------------------- editors of the portal (issue 26)

def grant_editor(db: sqlite_utils.Database, by: User, email: str, name: str, now: datetime, ip: str = "") -> User:
    """Let ``email`` edit the portal: an officer's account gets the right, someone without an account
    gets an editor-only account (who sees no case; signs in by an emailed link). Audited.

    :raises PermissionError: unless ``by`` is the county desk or the admin.
    :raises ValueError: for an address that is not an email (the message is Chinese first).
    """
    from formsvc.storage import audit

    if by is None or not by.sees_all:
        raise PermissionError("only the county desk or the admin grants editing")
    email = (email or "").strip().lower()
    from wagesafe.registry.rules import is_email

    if not is_email(email):
        raise ValueError("请填写有效的电子邮箱。Enter a valid email address.")
    with write_transaction(db):
        row = db.conn.execute("SELECT id FROM users WHERE email = ? COLLATE NOCASE", (email,)).fetchone()
        if row:
            db.conn.execute("UPDATE users SET editor = 1 WHERE id = ?", (row[0],))
            uid = row[0]
        else:
            uid = db.conn.execute(
                "INSERT INTO users (email, name, role, scope_code, password_hash, active, created_at, editor)"
                " VALUES (?, ?, 'editor', '', '', 1, ?, 1)", (email, (name or "").strip() or email, iso(now))).lastrowid
        audit.insert(db, by.id, "grant_editor", detail=email, ip=ip, now=now)
    return get_user(db, uid)


def revoke_editor(db: sqlite_utils.Database, by: User, user_id: int, now: datetime, ip: str = "") -> None:
    """Take the editing right back (an editor-only account is deactivated). Audited."""
    from formsvc.storage import audit

    if by is None or not by.sees_all:
        raise PermissionError("only the county desk or the admin revokes editing")
    with write_transaction(db):
        row = db.conn.execute("SELECT email, role FROM users WHERE id = ?", (user_id,)).fetchone()
        if row is None:
            return
        db.conn.execute("UPDATE users SET editor = 0, active = CASE WHEN role = 'editor' THEN 0 ELSE active END"
                        " WHERE id = ?", (user_id,))
        audit.insert(db, by.id, "revoke_editor", detail=row[0], ip=ip, now=now)
    if row[1] == "editor":
        from . import sessions

        sessions.end_all(db, user_id, now, "editing revoked")


def editors(db: sqlite_utils.Database) -> list[User]:
    """Everyone granted editing (the county desk and admin edit by their role and are not listed)."""
    return [_user(r) for r in db.query("SELECT * FROM users WHERE active = 1 AND (editor = 1 OR role = 'editor')"
                                       " ORDER BY email")]


# ---------------------------------------------------------------- passwords

def hash_password(password: str) -> str:
    return _hasher.hash(password)


def set_password(db: sqlite_utils.Database, email: str, password: str) -> bool:
    """Set one account's password; False when there is no such account."""
    if len(password) < 8:
        raise ValueError("a password needs at least 8 characters")
    from formsvc.storage.store import utcnow

    from . import sessions

    with write_transaction(db):
        cur = db.conn.execute("UPDATE users SET password_hash = ? WHERE email = ? COLLATE NOCASE",
                              (hash_password(password), email.strip()))
        row = db.conn.execute("SELECT id FROM users WHERE email = ? COLLATE NOCASE", (email.strip(),)).fetchone()
        if row:  # whoever knew the old password (or holds a copied cookie) is out
            sessions.end_all(db, row[0], utcnow(), "password changed")
    return cur.rowcount == 1


_DUMMY: list[str] = []


def _dummy_hash() -> str:
    if not _DUMMY:
        _DUMMY.append(_hasher.hash(secrets.token_hex(16)))
    return _DUMMY[0]


def _failures(db, key: str, now: datetime) -> int:
    since = iso(now - timedelta(minutes=LOCK_WINDOW_MINUTES))
    return db.execute("SELECT count(*) FROM rate_events WHERE key = ? AND at > ?", [key, since]).fetchone()[0]


def _account_key(email: str, ip: str) -> str:
    return f"desk-login-fail:{email.strip().lower()}|{ip}"


def is_locked(db: sqlite_utils.Database, email: str, ip: str, now: datetime) -> bool:
    """Too many recent failures for this account from this address, or (4x as many) from this address
    on any accounts. Never per account alone: a stranger elsewhere must not lock the officer out."""
    return (_failures(db, _account_key(email, ip), now) >= LOCK_FAILURES
            or _failures(db, f"desk-login-fail-ip:{ip}", now) >= LOCK_FAILURES * 4)


def _slow_key(email: str) -> str:
    return f"desk-login-fail-account:{email.strip().lower()}"


def slowed_for(db: sqlite_utils.Database, email: str, now: datetime) -> int:
    """Seconds a password attempt on ``email`` must still wait (0: none). Past ``SLOW_AFTER``
    failures from any addresses in ``SLOW_WINDOW`` the delay after the last failure doubles with
    each one, up to ``SLOW_MAX_SECONDS``: guessing one officer's password from a thousand addresses
    gets a few tries an hour."""
    n, last = db.execute("SELECT count(*), max(at) FROM rate_events WHERE key = ? AND at > ?",
                         [_slow_key(email), iso(now - SLOW_WINDOW)]).fetchone()
    if n < SLOW_AFTER or not last:
        return 0
    delay = min(SLOW_MAX_SECONDS, 2 ** min(n - SLOW_AFTER + 1, 20))
    wait = (datetime.fromisoformat(last) + timedelta(seconds=delay) - now).total_seconds()
    return max(0, int(wait + 0.999))


def check_password(db: sqlite_utils.Database, email: str, password: str, now: datetime,
                   ip: str = "", known_device: bool = False, zone: str = DEFAULT_ZONE) -> tuple[User | None, str]:
    """Sign in with a password: ``(user, "")`` or ``(None, reason)``; reason is ``locked`` (this
    address failed too often), ``slowed`` (this account failed too often from anywhere: wait
    ``slowed_for``; never for a ``known_device`` of the account) or ``invalid``.

    A failure is recorded whatever its cause, so that guessing emails costs as much as
    guessing passwords; the message shown never says which part was wrong. ``zone`` (the county's
    TIMEZONE) is the time zone of the owner's email when slowing starts.
    """
    if is_locked(db, email, ip, now):
        return None, "locked"
    if not known_device and slowed_for(db, email, now) > 0:
        return None, "slowed"  # the password is not even checked: a guess here teaches nothing
    rows = list(db.query("SELECT * FROM users WHERE email = ? COLLATE NOCASE AND active = 1", [email.strip()]))
    stored = rows[0]["password_hash"] if rows and rows[0]["password_hash"] else _dummy_hash()
    try:  # always one argon2 verification, so the answer's timing does not tell which emails exist
        ok = _hasher.verify(stored, password) and bool(rows and rows[0]["password_hash"])
    except (VerificationError, InvalidHashError):
        ok = False
    if ok:
        return _user(rows[0]), ""
    with write_transaction(db):
        db.conn.execute("INSERT INTO rate_events (at, key) VALUES (?, ?)", (iso(now), _account_key(email, ip)))
        db.conn.execute("INSERT INTO rate_events (at, key) VALUES (?, ?)", (iso(now), f"desk-login-fail-ip:{ip}"))
        db.conn.execute("INSERT INTO rate_events (at, key) VALUES (?, ?)", (iso(now), _slow_key(email)))
        n = db.conn.execute("SELECT count(*) FROM rate_events WHERE key = ? AND at > ?",
                            (_slow_key(email), iso(now - SLOW_WINDOW))).fetchone()[0]
        if n == SLOW_AFTER and rows:
            _tell_owner_slowed(db, rows[0], now, zone)
    return None, "invalid"


def _tell_owner_slowed(db, row, now: datetime, zone: str = DEFAULT_ZONE) -> None:
    """Inside the failure's transaction: the account's owner learns that password sign-in is slowed
    (once a day), and that the email link and their usual browser still work."""
    name = row["name"] or row["email"]
    body = "\n".join([
        f"{name}：", "",
        f"截至 {format_local(now, zone, with_zone=True)}，您的办案台账号（{row['email']}）在 24 小时内有 {SLOW_AFTER} 次密码错误，"
        "可能来自不同的网络。为防止有人猜密码，这个账号的密码登录已放慢：每次失败后要等一段时间（逐次加长，最长 15 分钟）。",
        "",
        "您不会被锁在外面：在您以前登录过的手机或电脑上照常可以用密码登录；在登录页点“发送登录链接”，"
        "用邮件里的一次性链接也可以马上登录。",
        "如果这些尝试不是您本人，建议登录后修改密码；如有疑问请联系县劳动保障监察大队或系统管理员。",
        "今天不再重复提醒。"])
    outbox.enqueue(db, kind="signin_slowed", channel="email", recipient=row["email"],
                   subject="您的办案台账号有多次密码错误，密码登录已放慢", body=body,
                   dedupe_key=f"signin-slowed:{row['id']}:{now:%Y-%m-%d}")


# ---------------------------------------------------------------- one-time email links

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def send_login_link(db: sqlite_utils.Database, email: str, next_url: str, base_url: str, now: datetime) -> bool:
    """Queue a one-time sign-in link for an active account; False when nothing was sent.

    The caller shows the same message either way, so the form does not reveal which
    emails have accounts. At most ``LINK_REQUESTS_PER_HOUR`` links per account per hour.
    """
    user = find_user(db, email)
    if user is None or not user.active:
        return False
    key = f"desk-login-link:{user.email.lower()}"
    since = iso(now - timedelta(hours=1))
    if db.execute("SELECT count(*) FROM rate_events WHERE key = ? AND at > ?", [key, since]).fetchone()[0] \
            >= LINK_REQUESTS_PER_HOUR:
        return False
    token = secrets.token_urlsafe(32)
    link = f"{base_url.rstrip('/')}/desk/login/{token}"
    body = (f"{user.name}，您好：\n\n点击下面的链接登录薪安通办案台（{LINK_MINUTES} 分钟内有效，只能使用一次）：\n{link}\n\n"
            f"如果不是您本人操作，请忽略本邮件。\n\nSign-in link for the WageSafe desk "
            f"(valid {LINK_MINUTES} minutes, once): {link}\n")
    with write_transaction(db):
        db.conn.execute("INSERT INTO login_tokens (token_hash, user_id, created_at, expires_at, next_url)"
                        " VALUES (?, ?, ?, ?, ?)",
                        (_token_hash(token), user.id, iso(now), iso(now + timedelta(minutes=LINK_MINUTES)),
                         next_url or ""))
        db.conn.execute("INSERT INTO rate_events (at, key) VALUES (?, ?)", (iso(now), key))
        outbox.enqueue(db, kind="sign_in", channel="email", recipient=user.email,
                       subject="薪安通办案台登录链接 Sign-in link", body=body)
    return True


def use_login_token(db: sqlite_utils.Database, token: str, now: datetime) -> tuple[User | None, str]:
    """Spend a one-time token: ``(user, next_url)``, or ``(None, "")`` if unknown, used or expired.

    The UPDATE marks it used only if it is still unused and unexpired, so two concurrent
    clicks cannot both sign in.
    """
    h = _token_hash(token or "")
    with write_transaction(db):
        cur = db.conn.execute("UPDATE login_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL"
                              " AND expires_at > ?", (iso(now), h, iso(now)))
        if cur.rowcount != 1:
            return None, ""
        row = db.conn.execute("SELECT user_id, next_url FROM login_tokens WHERE token_hash = ?", (h,)).fetchone()
    user = get_user(db, row[0])
    if user is None or not user.active:
        return None, ""
    return user, row[1]


# ---------------------------------------------------------------- authorization: the one rule

def _mine(user: User, kind: str, code: str) -> bool:
    return user.role in ("township", "department") and kind == user.role and code == user.scope_code


def can_view(user: User | None, case) -> bool:
    """County and admin see every case; a township or department sees a case assigned to it,
    one for which it is still responsible, and one it first received (首问负责制: the first
    township keeps a case it transferred, also after the receiver acknowledged it)."""
    if user is None or not user.active or case is None:
        return False
    if user.sees_all:
        return True
    return (_mine(user, case["assignee_kind"], case["assignee_code"])
            or _mine(user, case["responsible_kind"], case["responsible_code"])
            or first_received(user, case) or called(user, case) or stood_in(user, case))


def stood_in(user: User | None, case) -> bool:
    """The duty roster's stand-in the case was routed to, while they hold it (the entry neither
    cancelled nor over): ``formsvc.officers.roster.stand_in_emails``, attached by the caller as
    ``stand_in_emails``. Access follows routing, never the filing time (issue 25)."""
    return (user is not None and user.role == "township"
            and user.email.lower() in (case.get("stand_in_emails") or ()))


def called(user: User | None, case) -> bool:
    """吹哨: a department called to the case may open it (the facts, not the worker: ``can_see_personal``).
    The caller attaches ``called_departments`` (``formsvc.case.hard_cases``) to the case it checks."""
    return (user is not None and user.role == "department"
            and user.scope_code in (case.get("called_departments") or ()))


def first_received(user: User | None, case) -> bool:
    """首问负责制: the township the case was first routed to keeps it in its list and may open it,
    note it and call departments to it (吹哨) after a transfer, even once the receiver has
    acknowledged; it does not act on the case's state (``can_act``)."""
    return (user is not None and case is not None
            and _mine(user, case.get("route_target_kind") or "", case.get("route_target_code") or ""))


def can_act(user: User | None, case) -> bool:
    """Changing a case's state belongs to whoever it is assigned to now (and county/admin)."""
    if user is None or not user.active or case is None:
        return False
    if user.sees_all or _mine(user, case["assignee_kind"], case["assignee_code"]):
        return True
    # a stand-in acts while the case is still with the township it stood in for
    return stood_in(user, case) and (case["assignee_kind"], case["assignee_code"]) == (
        "township", case.get("route_target_code") or "")


def can_see_personal(user: User | None, case) -> bool:
    """The worker's name and mobile: the township officers of that case, county and admin.
    Departments get the facts of the case, not the person."""
    if not can_view(user, case):
        return False
    if user.sees_all:
        return True
    return user.role == "township"


def scope_sql(user: User, alias: str = "c", now: datetime | None = None) -> tuple[str, list]:
    """A WHERE fragment (and its parameters) selecting exactly the cases ``can_view`` allows
    (``now``: the moment a stand-in's holding is judged at; default the clock)."""
    if user is None or not user.active:
        return "0", []
    if user.sees_all:
        return "1", []
    if user.role in ("township", "department"):
        if user.role == "department":
            called_sql = f" OR EXISTS (SELECT 1 FROM case_calls k WHERE k.complaint_id = {alias}.id AND k.department = ?)"
            extra = [user.scope_code]
        else:  # the duty roster's stand-in, while they hold the case (roster.stand_in_emails)
            from formsvc.officers.roster import held_sql

            called_sql = f" OR {held_sql(alias)}"
            extra = [user.email.lower(), iso(now or utcnow())]
        return (f"(({alias}.assignee_kind = ? AND {alias}.assignee_code = ?)"
                f" OR ({alias}.responsible_kind = ? AND {alias}.responsible_code = ?)"
                f" OR ({alias}.route_target_kind = ? AND {alias}.route_target_code = ?){called_sql})",
                [user.role, user.scope_code, user.role, user.scope_code, user.role, user.scope_code] + extra)
    return "0", []


# ---------------------------------------------------------------- evidence: shared by the responsible township

def evidence_shared_with(db: sqlite_utils.Database, case_id: int) -> list[str]:
    """Department codes the case's evidence has been shared with."""
    return [r[0] for r in db.conn.execute("SELECT department_code FROM evidence_shares WHERE complaint_id = ?"
                                          " ORDER BY shared_at", (case_id,))]


def can_download_evidence(db: sqlite_utils.Database, user: User | None, case) -> bool:
    """Evidence files (ID cards, contracts, chat screenshots) are personal data: the township officers
    of the case, county and admin; a department only once the township responsible for the case
    (or the county) has shared them with it (``share_evidence``, logged). Issue 15."""
    if not can_view(user, case):
        return False
    if user.sees_all or user.role == "township":
        return True
    return user.role == "department" and user.scope_code in evidence_shared_with(db, case["id"])


def can_share_evidence(user: User | None, case) -> bool:
    """Who decides that a department needs the files: the township responsible for the case, or the county."""
    if not can_view(user, case):
        return False
    return user.sees_all or _mine(user, case["responsible_kind"], case["responsible_code"]) \
        or _mine(user, case["assignee_kind"], case["assignee_code"]) and user.role == "township"


def share_evidence(db: sqlite_utils.Database, user: User, case, department_code: str, now: datetime,
                   ip: str = "") -> bool:
    """Share the case's evidence with one department, with its audit row in the same transaction;
    False if it was shared already."""
    from formsvc.storage import audit

    if not can_share_evidence(user, case):
        raise PermissionError("not yours to share")
    with write_transaction(db):
        cur = db.conn.execute("INSERT OR IGNORE INTO evidence_shares (complaint_id, department_code, shared_by,"
                              " shared_at) VALUES (?, ?, ?, ?)", (case["id"], department_code, user.id, iso(now)))
        if cur.rowcount:
            audit.insert(db, user.id, "share_evidence", case["id"], detail=f"with department {department_code}",
                         ip=ip, now=now)
    return cur.rowcount == 1
