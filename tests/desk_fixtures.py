"""Helpers for the desk tests: a real app on a temp SQLite file, accounts from the sample
registry, and complaints inserted straight into the table (the desk must not depend on how
intake writes them, only on the schema)."""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timezone
from pathlib import Path

from formsvc.officers import auth
from formsvc import create_app
from formsvc.storage import store
from wagesafe.config import Config
from wagesafe.registry import load_registry

PASSWORD = "correct horse battery"
HEXI = "hexi.officer@qinghe.example.gov.cn"
HEXI_DEPUTY = "hexi.deputy@qinghe.example.gov.cn"
DONGCHENG = "dongcheng.officer@qinghe.example.gov.cn"
HOUSING = "housing@qinghe.example.gov.cn"
TRANSPORT = "transport@qinghe.example.gov.cn"
COUNTY = "desk@qinghe.example.gov.cn"
ADMIN = auth.ADMIN_EMAIL
T0 = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)  # Monday 10:00 in Shanghai


def make_config(tmp_path: Path, data_dir: Path, **overrides) -> Config:
    var = tmp_path / "var"
    return Config.from_env({}, data_dir=data_dir, var_dir=var, database=var / "test.db", upload_dir=var / "uploads",
                           secret_key="test-secret-" + secrets.token_hex(8), **overrides)


def make_app(config: Config, password: str | None = PASSWORD):
    app = create_app(config)
    app.config["TESTING"] = True
    db = store.open_db(config.database)
    auth.sync_users(db, load_registry(config.data_dir), demo_password=password)
    db.close()
    return app


def insert_case(db, *, township: str | None = "hexi", assignee: tuple[str, str] | None = None,
                responsible: tuple[str, str] | None = None, status: str = "new", created_at: datetime = T0,
                **fields) -> int:
    """One complaint row; assignee and responsible default to ``township``."""
    assignee = assignee or ("township", township or "")
    responsible = responsible or assignee
    row = {"receipt": "R" + secrets.token_hex(5), "created_at": store.iso(created_at), "status": status,
           "assignee_kind": assignee[0], "assignee_code": assignee[1], "responsible_kind": responsible[0],
           "responsible_code": responsible[1], "route_target_kind": assignee[0], "route_target_code": assignee[1],
           "name": "张三", "mobile": "13912345678", "workers": 3,
           "amount_yuan": 24000, "description": "三个月没发工资", "consent": 1}
    row.update(fields)
    cols = ", ".join(row)
    with store.write_transaction(db):
        cur = db.conn.execute(f"INSERT INTO complaints ({cols}) VALUES ({', '.join('?' * len(row))})",
                              list(row.values()))
        db.conn.execute("INSERT INTO routing_decisions (complaint_id, decided_at, rule, target_kind, target_code,"
                        " reason) VALUES (?, ?, 'township', ?, ?, '项目所在镇街')",
                        (cur.lastrowid, row["created_at"], assignee[0], assignee[1]))
    return cur.lastrowid


def insert_evidence(db, config: Config, case_id: int, content: bytes = b"%PDF-1.4 payslip",
                    name: str = "工资条.pdf", mime: str = "application/pdf") -> int:
    stored = secrets.token_hex(12)
    Path(config.upload_dir).mkdir(parents=True, exist_ok=True)
    (Path(config.upload_dir) / stored).write_bytes(content)
    with store.write_transaction(db):
        cur = db.conn.execute("INSERT INTO evidence (complaint_id, stored_name, original_name, mime, size, sha256,"
                              " created_at) VALUES (?, ?, ?, ?, ?, '', ?)",
                              (case_id, stored, name, mime, len(content), store.iso(T0)))
    return cur.lastrowid


_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(client) -> str:
    """A CSRF token for this client's session, read from a desk page like a browser would."""
    r = client.get("/desk/login")
    if r.status_code == 302:
        r = client.get("/desk/cases")
    return _TOKEN.search(r.get_data(as_text=True)).group(1)


def post(client, url: str, data: dict | None = None, **kw):
    return client.post(url, data={"csrf_token": csrf(client), **(data or {})}, **kw)


def login(client, email: str, password: str = PASSWORD):
    r = post(client, "/desk/login", {"email": email, "password": password})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    return r


class Desk:
    """A running desk for one test: config, app, an open database and the registry."""

    def __init__(self, tmp_path: Path, data_dir: Path, password: str | None = None, **overrides):
        self.config = make_config(tmp_path, data_dir, **overrides)
        self.app = make_app(self.config, password)
        self.db = store.open_db(self.config.database)
        self.registry = load_registry(self.config.data_dir)

    def client(self, email: str | None = None):
        """A browser signed in as ``email``. The session is written directly (as the sign-in
        route would), so authorization tests do not pay for argon2; test_auth covers sign-in."""
        c = self.app.test_client()
        if email:
            user = auth.find_user(self.db, email)
            from formsvc.officers import sessions

            with c.session_transaction() as s:
                s["desk_sid"] = sessions.start(self.db, user.id, store.utcnow())
        return c

    def case(self, case_id: int) -> dict:
        return next(self.db.query("SELECT * FROM complaints WHERE id = ?", [case_id]))

    def notices(self, kind: str | None = None) -> list[dict]:
        if kind:
            return list(self.db.query("SELECT * FROM notices WHERE kind = ? ORDER BY id", [kind]))
        return list(self.db.query("SELECT * FROM notices ORDER BY id"))
