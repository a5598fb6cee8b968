"""The form service's SQLite store: connection settings, versioned migrations, transactions.

Why these choices:
- WAL lets officers read while workers submit; ``busy_timeout`` makes a writer wait for
  another writer instead of failing; ``BEGIN IMMEDIATE`` takes the write lock up front so a
  transaction never fails half-way on a lock upgrade.
- Migrations are append-only and named (not numbered), so two branches that each add one
  never collide; ``schema_migrations`` records which ran. Never edit an applied migration:
  add a new one.
- Writes that belong together (a complaint, its routing decision, its evidence rows and its
  notices: the transactional outbox) go inside one ``write_transaction``. sqlite-utils
  calls made inside it become savepoints of that one transaction (``Database.atomic``).
"""

from __future__ import annotations

import contextlib
import random
import sqlite3
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils

BUSY_TIMEOUT_MS = 5000
WAL_AUTOCHECKPOINT_PAGES = 1_000

MIGRATIONS: list[tuple[str, str]] = [
    ("0001_initial", """
CREATE TABLE complaints (
    id INTEGER PRIMARY KEY,
    receipt TEXT NOT NULL UNIQUE,            -- short, unguessable, shown to the worker
    submission_token TEXT UNIQUE,            -- idempotency key of the form: a double tap makes one complaint
    created_at TEXT NOT NULL,                -- UTC ISO 8601
    lang TEXT NOT NULL DEFAULT 'zh',
    project_code TEXT,                       -- NULL when the worker had no QR code
    site_address TEXT NOT NULL DEFAULT '',   -- typed by a worker with no project
    chosen_township TEXT,                    -- picked on the general form
    anonymous INTEGER NOT NULL DEFAULT 0,
    name TEXT NOT NULL DEFAULT '',
    mobile TEXT NOT NULL DEFAULT '',
    owed_by_kind TEXT NOT NULL DEFAULT '',   -- company | team_leader | unknown
    owed_by_name TEXT NOT NULL DEFAULT '',
    trade TEXT NOT NULL DEFAULT '',
    workers INTEGER NOT NULL DEFAULT 1,
    amount_yuan INTEGER NOT NULL DEFAULT 0,
    months_owed INTEGER NOT NULL DEFAULT 0,
    description TEXT NOT NULL DEFAULT '',
    callback_time TEXT NOT NULL DEFAULT '',
    consent INTEGER NOT NULL DEFAULT 0,
    urgent INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'new',      -- new | acknowledged | in_progress | resolved | transferred | closed_unfounded
    assignee_kind TEXT NOT NULL,             -- township | department | county: who must act now
    assignee_code TEXT NOT NULL DEFAULT '',
    responsible_kind TEXT NOT NULL,          -- 首问负责制: who stays responsible until a receiver acknowledges
    responsible_code TEXT NOT NULL DEFAULT '',
    acknowledged_at TEXT,
    resolved_at TEXT,
    escalated_at TEXT,
    reminded_at TEXT,
    workers_paid INTEGER NOT NULL DEFAULT 0,
    amount_recovered_yuan INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX complaints_assignee ON complaints(assignee_kind, assignee_code, status);
CREATE INDEX complaints_project ON complaints(project_code, created_at);
CREATE INDEX complaints_created ON complaints(created_at);

CREATE TABLE routing_decisions (
    id INTEGER PRIMARY KEY,
    complaint_id INTEGER NOT NULL REFERENCES complaints(id),
    decided_at TEXT NOT NULL,
    rule TEXT NOT NULL,                      -- project | township | county | urgent | transfer | escalation
    target_kind TEXT NOT NULL,
    target_code TEXT NOT NULL DEFAULT '',
    recipient_name TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL                     -- plain words, shown on the case
);
CREATE INDEX routing_complaint ON routing_decisions(complaint_id);

CREATE TABLE evidence (
    id INTEGER PRIMARY KEY,
    complaint_id INTEGER NOT NULL REFERENCES complaints(id),
    stored_name TEXT NOT NULL UNIQUE,        -- random name under the upload folder, outside the web root
    original_name TEXT NOT NULL DEFAULT '',
    mime TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX evidence_complaint ON evidence(complaint_id);

CREATE TABLE events (                        -- the case timeline: who, when, what
    id INTEGER PRIMARY KEY,
    complaint_id INTEGER NOT NULL REFERENCES complaints(id),
    at TEXT NOT NULL,
    actor TEXT NOT NULL,                     -- 'worker', 'system', or a user's email
    kind TEXT NOT NULL,                      -- submitted | routed | acknowledged | transferred | note | resolved | escalated | reminded | ...
    detail TEXT NOT NULL DEFAULT '',
    public INTEGER NOT NULL DEFAULT 0        -- 1: may be shown, in plain words, on the worker's status page
);
CREATE INDEX events_complaint ON events(complaint_id, at);

CREATE TABLE notices (                       -- the transactional outbox
    id INTEGER PRIMARY KEY,
    complaint_id INTEGER REFERENCES complaints(id),
    created_at TEXT NOT NULL,
    kind TEXT NOT NULL,                      -- new_case | urgent | escalation | reminder | transfer | daily_report | sign_in
    channel TEXT NOT NULL,                   -- email | sms
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    dedupe_key TEXT UNIQUE,                  -- the same notice is never queued twice
    status TEXT NOT NULL DEFAULT 'pending',  -- pending | sending | sent | dead
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    claimed_at TEXT,
    claimed_by TEXT,
    sent_at TEXT,
    last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX notices_due ON notices(status, next_attempt_at);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,                      -- township | department | county | admin
    scope_code TEXT NOT NULL DEFAULT '',     -- township or department code for those roles
    password_hash TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);

CREATE TABLE login_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    next_url TEXT NOT NULL DEFAULT ''
);

CREATE TABLE notes (                         -- internal notes: never shown to the worker
    id INTEGER PRIMARY KEY,
    complaint_id INTEGER NOT NULL REFERENCES complaints(id),
    at TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id),
    body TEXT NOT NULL
);

CREATE TABLE audit_log (                     -- who viewed, downloaded or exported which personal data
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user_id INTEGER,
    action TEXT NOT NULL,
    complaint_id INTEGER,
    detail TEXT NOT NULL DEFAULT '',
    ip TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_complaint ON audit_log(complaint_id);

CREATE TABLE rate_events (                   -- sliding-window rate limits shared by all gunicorn workers
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    key TEXT NOT NULL
);
CREATE INDEX rate_events_key ON rate_events(key, at);

CREATE TABLE daily_reports (                 -- 一日一报: one row per day, so a re-run never sends twice
    day TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    body TEXT NOT NULL
);
"""),
    # Fewer B-trees written per complaint. Each table or index a transaction touches costs at
    # least one 4 KB page in the WAL at COMMIT (and again at the next checkpoint); a complaint
    # wrote about 21. `rate_events` becomes one B-tree (the key is the table: WITHOUT ROWID) instead
    # of a table plus an index, and `complaints_created` goes: ids grow with time, so `ORDER BY id`
    # gives the same order, and only the once-a-day report filters on `created_at`.
    ("0002_lean_complaint_writes", """
CREATE TABLE rate_events_keyed (
    key TEXT NOT NULL,
    at TEXT NOT NULL,
    nonce INTEGER NOT NULL DEFAULT (random()),  -- two events of one key in the same second
    PRIMARY KEY (key, at, nonce)
) WITHOUT ROWID;
INSERT INTO rate_events_keyed (key, at, nonce) SELECT key, at, id FROM rate_events;
DROP TABLE rate_events;
ALTER TABLE rate_events_keyed RENAME TO rate_events;
DROP INDEX complaints_created;
"""),
    # A new complaint's first routing decision and its "submitted" / "routed" timeline entries are
    # facts about the complaint row itself, so they are stored on it (the route_* columns) instead
    # of in three child rows across two tables and two indexes. The views `case_routing` and
    # `case_events` give readers the whole history as before: the stored rows (transfers,
    # escalations, every later event, and the child rows of complaints filed before this
    # migration) plus the entries implied by the complaint row. New-case notices are born in the
    # complaint's own transaction, whose UNIQUE submission token already makes them once-only, so
    # they carry no dedupe key; the unique index keeps only the keys that need it (partial index,
    # hence the table is rebuilt). `complaints_project` goes too: the desk's project filter runs
    # within a township's cases, and the risk classes read every complaint anyway.
    # Together: a complaint touches 8 B-trees instead of 13 (the pages each transaction must
    # read back and write, measured with bench/bench_intake.py).
    ("0003_routing_on_the_complaint", """
ALTER TABLE complaints ADD COLUMN route_rule TEXT NOT NULL DEFAULT '';       -- '' for complaints filed before 0003
ALTER TABLE complaints ADD COLUMN route_target_kind TEXT NOT NULL DEFAULT '';
ALTER TABLE complaints ADD COLUMN route_target_code TEXT NOT NULL DEFAULT '';
ALTER TABLE complaints ADD COLUMN route_recipient TEXT NOT NULL DEFAULT '';
ALTER TABLE complaints ADD COLUMN route_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE complaints ADD COLUMN urgent_reason TEXT NOT NULL DEFAULT '';  -- why the county desk was told too
DROP INDEX complaints_project;

CREATE VIEW case_routing AS                  -- every routing decision of a case, oldest first by (decided_at, seq)
SELECT complaint_id, decided_at, rule, target_kind, target_code, recipient_name, reason, id + 2 AS seq
  FROM routing_decisions
UNION ALL
SELECT id, created_at, route_rule, route_target_kind, route_target_code, route_recipient, route_reason, 0
  FROM complaints WHERE route_rule != ''
UNION ALL
SELECT id, created_at, 'urgent', 'county', '', '', urgent_reason, 1
  FROM complaints WHERE route_rule != '' AND urgent_reason != '';

CREATE VIEW case_events AS                   -- the case timeline, oldest first by (at, seq)
SELECT id, complaint_id, at, actor, kind, detail, public, id AS seq FROM events
UNION ALL
SELECT NULL, id, created_at, 'worker', 'submitted', '', 1, -2 FROM complaints WHERE route_rule != ''
UNION ALL
SELECT NULL, id, created_at, 'system', 'routed', route_reason, 1, -1 FROM complaints WHERE route_rule != '';

CREATE TABLE notices_rebuilt (
    id INTEGER PRIMARY KEY,
    complaint_id INTEGER REFERENCES complaints(id),
    created_at TEXT NOT NULL,
    kind TEXT NOT NULL,
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    dedupe_key TEXT,                         -- unique when set (notices_dedupe); NULL for a new case's notices
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    claimed_at TEXT,
    claimed_by TEXT,
    sent_at TEXT,
    last_error TEXT NOT NULL DEFAULT ''
);
INSERT INTO notices_rebuilt SELECT id, complaint_id, created_at, kind, channel, recipient, subject, body, dedupe_key,
    status, attempts, next_attempt_at, claimed_at, claimed_by, sent_at, last_error FROM notices;
DROP TABLE notices;
ALTER TABLE notices_rebuilt RENAME TO notices;
CREATE UNIQUE INDEX notices_dedupe ON notices(dedupe_key) WHERE dedupe_key IS NOT NULL;
CREATE INDEX notices_due ON notices(status, next_attempt_at);
"""),
    # Retention of workers' personal data (formsvc.duties.retention, PERSONAL_DATA_RETENTION_DAYS):
    # `redacted_at` is when a closed case's personal data was deleted (NULL: not yet, or never).
    # The due cases are found through a PARTIAL index holding only closed cases not yet redacted:
    # a new complaint has no `resolved_at`, so its INSERT skips this index and writes no page of
    # it (HACKING.md: count the B-trees a complaint touches). Only resolving or closing a case,
    # and the redaction itself, write it. The index keeps the every-minute check in
    # scheduler.tick a seek that finds nothing, instead of a scan of every complaint.
    ("0004_personal_data_retention", """
ALTER TABLE complaints ADD COLUMN redacted_at TEXT;
CREATE INDEX complaints_retention_due ON complaints(resolved_at)
    WHERE resolved_at IS NOT NULL AND redacted_at IS NULL;
"""),
    # Where a case came from (formsvc.case.sources) and whether the worker agreed to SMS updates.
    # The unique index is partial: web complaints (no source_ref) never enter it, so it costs a
    # complaint's transaction nothing.
    ("0005_case_source_and_worker_sms", """
ALTER TABLE complaints ADD COLUMN source TEXT NOT NULL DEFAULT 'qr';
UPDATE complaints SET source = 'web' WHERE project_code IS NULL;
ALTER TABLE complaints ADD COLUMN source_ref TEXT;
ALTER TABLE complaints ADD COLUMN sms_consent INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX complaints_source_ref ON complaints(source, source_ref) WHERE source_ref IS NOT NULL;
"""),
    # The worker's half of the case (issue 14): the outcome with its figures (formsvc.case.outcomes;
    # amount_recovered_yuan keeps the money the worker got), when a worker's answer reopened the case,
    # the workers' answers after an outcome (paid? satisfied?), and how far the worker-SMS duty
    # (formsvc.duties.worker_sms) has read the timeline: it starts at today's last event, so a
    # deployment never texts workers about old news. Columns only on `complaints` (no index):
    # a complaint's INSERT writes no extra page.
    ("0006_i14_outcomes_and_answers", """
ALTER TABLE complaints ADD COLUMN outcome TEXT NOT NULL DEFAULT '';            -- formsvc.case.outcomes.OUTCOMES
ALTER TABLE complaints ADD COLUMN outcome_left_yuan INTEGER NOT NULL DEFAULT 0;  -- still owed after a partial payment
ALTER TABLE complaints ADD COLUMN outcome_promised_yuan INTEGER NOT NULL DEFAULT 0;  -- mediation: agreed, not yet paid
ALTER TABLE complaints ADD COLUMN outcome_due_date TEXT NOT NULL DEFAULT '';   -- mediation: the date promised
ALTER TABLE complaints ADD COLUMN outcome_text TEXT NOT NULL DEFAULT '';       -- worker-facing: reason, or where it went
ALTER TABLE complaints ADD COLUMN reopened_at TEXT;                            -- last reopened by the worker's answer

CREATE TABLE worker_answers (                -- the worker's answer after an outcome (回访 / 评价)
    id INTEGER PRIMARY KEY,
    complaint_id INTEGER NOT NULL REFERENCES complaints(id),
    at TEXT NOT NULL,
    outcome TEXT NOT NULL DEFAULT '',        -- the outcome answered about
    paid TEXT NOT NULL,                      -- yes | partly | no
    rating TEXT NOT NULL,                    -- satisfied | partly | not_satisfied
    comment TEXT NOT NULL DEFAULT '',        -- typed by the worker: personal data (retention blanks it)
    reopened INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX worker_answers_complaint ON worker_answers(complaint_id, at);

CREATE TABLE worker_sms_cursor (id INTEGER PRIMARY KEY CHECK (id = 1), last_event_id INTEGER NOT NULL);
INSERT INTO worker_sms_cursor (id, last_event_id) SELECT 1, COALESCE(MAX(id), 0) FROM events;
"""),
    # Open311 (issue 18). `api_keys`: one per partner system, only a SHA-256 of the key is kept
    # (the keys are 256 random bits: no dictionary to guess from, so a fast hash is enough).
    # `county_transfers`: a case sent to another county (formsvc.case.county_transfer), its
    # idempotency key (a retry never makes a second case there) and the remote status the worker
    # tick follows. `provincial_reports`: what the provincial platform was last told of a case.
    # None of them is touched by a new complaint's transaction.
    ("0007_i18_open311", """
CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,               -- the partner system, e.g. baishui-county
    key_hash TEXT NOT NULL UNIQUE,           -- sha256 hex of the key; the key itself is shown once
    prefix TEXT NOT NULL,                    -- its first characters, to recognise it in a list
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE TABLE county_transfers (
    id INTEGER PRIMARY KEY,
    complaint_id INTEGER NOT NULL REFERENCES complaints(id),
    county_code TEXT NOT NULL,
    county_name TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,    -- sent with every attempt: the receiver makes one case
    reason TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',        -- where the site is, in the receiver's words
    actor TEXT NOT NULL,
    created_at TEXT NOT NULL,
    remote_id TEXT,                          -- the receiver's service_request_id, once delivered
    delivered_at TEXT,
    remote_status TEXT NOT NULL DEFAULT '',  -- open | closed
    remote_status_notes TEXT NOT NULL DEFAULT '',
    remote_agency TEXT NOT NULL DEFAULT '',
    remote_updated_at TEXT,
    checked_at TEXT,
    closed_at TEXT
);
CREATE INDEX county_transfers_complaint ON county_transfers(complaint_id);
CREATE TABLE provincial_reports (
    complaint_id INTEGER PRIMARY KEY REFERENCES complaints(id),
    reported_status TEXT NOT NULL,           -- the last status queued for the province
    remote_id TEXT                           -- the province's service_request_id
);
"""),
    # The receiver's own receipt number for a case sent to another county: with it (and their mobile)
    # the worker follows the case on the other county's status page.
    ("0008_i18_transfer_receipt", """
ALTER TABLE county_transfers ADD COLUMN remote_receipt TEXT NOT NULL DEFAULT '';
"""),
    # The desk as the county's one ledger (i17): who entered a lead taken by phone or visit; the
    # lead officer (包案领导) and the raise to the county (提级办理); the duty roster read by routing
    # at complaint time; the departments called to a case (吹哨) and their reports (报到). No index
    # is added to `complaints`: a web complaint's transaction touches no new B-tree.
    ("0009_i17_desk_ledger", """
ALTER TABLE complaints ADD COLUMN entered_by TEXT NOT NULL DEFAULT '';   -- email of the officer who entered it on the desk
ALTER TABLE complaints ADD COLUMN lead_officer TEXT NOT NULL DEFAULT ''; -- 包案领导: name (and title) as the county desk typed it
ALTER TABLE complaints ADD COLUMN lead_mobile TEXT NOT NULL DEFAULT '';
ALTER TABLE complaints ADD COLUMN raised_at TEXT;                        -- 提级办理: when the county desk took the case over

CREATE TABLE duty_roster (                   -- who stands in for a township's officer, from when to when
    id INTEGER PRIMARY KEY,
    township TEXT NOT NULL,
    stand_in_name TEXT NOT NULL,
    stand_in_mobile TEXT NOT NULL DEFAULT '',
    stand_in_email TEXT NOT NULL DEFAULT '',
    starts_at TEXT NOT NULL,                 -- UTC ISO; the stand-in takes complaints filed in [starts_at, ends_at)
    ends_at TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    created_by INTEGER,
    cancelled_at TEXT
);
CREATE INDEX duty_roster_township ON duty_roster(township, starts_at);

CREATE TABLE case_calls (                    -- 吹哨: a department called to a case, and its 报到
    id INTEGER PRIMARY KEY,
    complaint_id INTEGER NOT NULL REFERENCES complaints(id),
    department TEXT NOT NULL,
    called_at TEXT NOT NULL,
    called_by TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    reported_at TEXT,
    reported_by TEXT NOT NULL DEFAULT '',
    escalated_at TEXT
);
CREATE INDEX case_calls_complaint ON case_calls(complaint_id);
CREATE INDEX case_calls_department ON case_calls(department, reported_at);
"""),
    # Officers' sessions kept on the server (formsvc.officers.sessions): the cookie holds only a
    # random id, so sign-out, a password change and an admin's "sign out everywhere" end a session
    # for good (a copied cookie is refused). Evidence shared with a department by the township
    # responsible for the case (formsvc.officers.auth.can_download_evidence).
    ("0010_i15_desk_sessions_and_evidence_shares", """
CREATE TABLE desk_sessions (
    id_hash TEXT PRIMARY KEY,            -- SHA-256 of the random id in the cookie
    user_id INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    ended_at TEXT,
    ended_why TEXT NOT NULL DEFAULT '',
    ip TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX desk_sessions_open ON desk_sessions(user_id) WHERE ended_at IS NULL;
CREATE TABLE evidence_shares (
    complaint_id INTEGER NOT NULL REFERENCES complaints(id),
    department_code TEXT NOT NULL,
    shared_by INTEGER REFERENCES users(id),
    shared_at TEXT NOT NULL,
    PRIMARY KEY (complaint_id, department_code)
);
"""),
    # Federation an operator can trust (i24). `county_meta`: the county this database belongs to,
    # written at first use (formsvc.storage.county_identity): no command or server runs it with
    # another county's registry. `open311_bodies`: the fingerprint of the request body each
    # partner's Idempotency-Key first came with (the same key with another body is refused).
    # `evidence_fetches`: files a partner county sends with a transfer, fetched once by the worker
    # and stored as our own evidence. `evidence_links_used`: a signed link to one of our files
    # opens once. None of them is touched by a web complaint's transaction.
    ("0011_i24_federation", """
CREATE TABLE county_meta (
    key TEXT PRIMARY KEY,                    -- county_code
    value TEXT NOT NULL,
    set_at TEXT NOT NULL
);
CREATE TABLE open311_bodies (
    source_ref TEXT PRIMARY KEY,             -- <key name>:<Idempotency-Key>, as on the complaint
    body_sha256 TEXT NOT NULL,
    complaint_id INTEGER NOT NULL REFERENCES complaints(id)
);
CREATE TABLE evidence_fetches (
    id INTEGER PRIMARY KEY,
    complaint_id INTEGER NOT NULL REFERENCES complaints(id),
    url TEXT NOT NULL,
    size INTEGER,                            -- what the sender's link says: checked against the file
    sha256 TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'pending',  -- pending | stored | failed
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    evidence_id INTEGER,
    created_at TEXT NOT NULL
);
CREATE INDEX evidence_fetches_due ON evidence_fetches(next_attempt_at) WHERE status = 'pending';
CREATE TABLE evidence_links_used (
    sig TEXT PRIMARY KEY,                    -- the link's signature: it opens once
    evidence_id INTEGER NOT NULL,
    transfer_id INTEGER,
    used_at TEXT NOT NULL,
    ip TEXT NOT NULL DEFAULT ''
);
ALTER TABLE county_transfers ADD COLUMN remote_outcome TEXT NOT NULL DEFAULT '';  -- JSON: kind, amounts
ALTER TABLE county_transfers ADD COLUMN settled_kind TEXT NOT NULL DEFAULT '';    -- last told: delivered|refused|dead
"""),
    # Every outcome a case was given, with its figures (formsvc.case.money reads them): a reopen blanks
    # the outcome columns on the complaint, and the worker's page must still show what was paid and
    # what was left. The current outcome of every case already resolved is copied in once. Not touched
    # by a new complaint's transaction.
    ("0012_i23_outcome_history", """
CREATE TABLE case_outcomes (
    id INTEGER PRIMARY KEY,
    complaint_id INTEGER NOT NULL REFERENCES complaints(id),
    at TEXT NOT NULL,
    kind TEXT NOT NULL,                        -- formsvc.case.outcomes.OUTCOMES
    recovered_yuan INTEGER NOT NULL DEFAULT 0,  -- paid to the worker by this outcome
    left_yuan INTEGER NOT NULL DEFAULT 0,       -- still owed, as the officer recorded it
    promised_yuan INTEGER NOT NULL DEFAULT 0,   -- mediation: agreed, not yet paid
    due_date TEXT NOT NULL DEFAULT '',          -- mediation: the date promised
    text TEXT NOT NULL DEFAULT ''               -- the officer's words to the worker (给投诉人的说明)
);
CREATE INDEX case_outcomes_complaint ON case_outcomes(complaint_id, at);
INSERT INTO case_outcomes (complaint_id, at, kind, recovered_yuan, left_yuan, promised_yuan, due_date, text)
SELECT id, COALESCE(resolved_at, created_at), outcome, amount_recovered_yuan, outcome_left_yuan, outcome_promised_yuan,
       outcome_due_date, outcome_text FROM complaints WHERE outcome != '';
"""),
    ("0013_i26_content_editing", """
ALTER TABLE users ADD COLUMN editor INTEGER NOT NULL DEFAULT 0;  -- may edit the portal's content (issue 26)
CREATE TABLE content_versions (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user_id INTEGER REFERENCES users(id),
    item TEXT NOT NULL,                      -- post:<slug> | projects:<code> | legal_aid:<id> | townships:<code>
    action TEXT NOT NULL,                    -- create | change | withdraw | revert
    before_json TEXT,                        -- the item before (NULL: it did not exist)
    after_json TEXT,                         -- the item after (NULL: withdrawn)
    summary TEXT NOT NULL DEFAULT '',
    reverts INTEGER REFERENCES content_versions(id)
);
CREATE INDEX content_versions_item ON content_versions(item, id);
CREATE TABLE site_builds (
    id INTEGER PRIMARY KEY,
    requested_at TEXT NOT NULL,
    requested_by INTEGER REFERENCES users(id),
    version_id INTEGER REFERENCES content_versions(id),
    started_at TEXT,
    finished_at TEXT,
    ok INTEGER,                              -- NULL while waiting or running
    message TEXT NOT NULL DEFAULT ''
);
"""),
    # Roster access by routing (i25, issue 25): the roster entry whose stand-in a case was routed
    # to (access follows it, not the filing time), and when an entry's open cases went back to the
    # township's officer. Cases routed by the roster before this migration get their entry if it
    # existed when they were filed (a backdated entry reaches nothing).
    ("0014_i25_stand_in_routing", """
ALTER TABLE complaints ADD COLUMN stand_in_entry INTEGER;   -- duty_roster.id when the roster's stand-in got it
ALTER TABLE duty_roster ADD COLUMN returned_at TEXT;        -- its open cases went back to the officer
UPDATE complaints SET stand_in_entry = (
    SELECT r.id FROM duty_roster r
    WHERE r.township = complaints.route_target_code AND r.stand_in_name = complaints.route_recipient
      AND r.starts_at <= complaints.created_at AND r.ends_at > complaints.created_at
      AND r.created_at <= complaints.created_at
      AND (r.cancelled_at IS NULL OR r.cancelled_at > complaints.created_at)
    ORDER BY r.created_at DESC, r.id DESC LIMIT 1)
WHERE route_target_kind = 'township'
  AND EXISTS (SELECT 1 FROM duty_roster r WHERE r.township = complaints.route_target_code);
UPDATE duty_roster SET returned_at = COALESCE(cancelled_at, ends_at)
WHERE cancelled_at IS NOT NULL OR ends_at <= strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now');
"""),
    # What an operator's monitoring reads (i28, formsvc.storage.ops_marks): the last time something ran
    # (the notice worker's heartbeat, each periodic duty, the last backup and its verification) and
    # counts that must be the same for every process and survive restarts (notices delivered, failed
    # attempts, notices that died, per channel). Kept in the database because the web processes that
    # answer /metrics and /readyz are not the worker that does the work. No complaint touches them.
    ("0015_i28_operations", """
CREATE TABLE ops_marks (
    name TEXT PRIMARY KEY,                   -- worker_heartbeat | duty:<name> | backup | backup_verify
    at TEXT NOT NULL,                        -- UTC ISO: the last run (or beat)
    ok INTEGER NOT NULL DEFAULT 1,           -- whether that last run succeeded
    ok_at TEXT,                              -- UTC ISO: the last run that succeeded
    detail TEXT NOT NULL DEFAULT ''          -- for the operator: a path, a count, why it failed (never personal data)
);
CREATE TABLE ops_counters (
    name TEXT NOT NULL,                      -- notice_deliveries | notice_failures | notice_deaths
    label TEXT NOT NULL DEFAULT '',          -- the channel
    value INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (name, label)
);
"""),
    # Transfers to other counties made before issue 24's told-truly events (no county_transfer_requested
    # event: the old code wrote transferred_out at once and told the worker then): the delivered and the
    # withdrawn ones count as already told, so an upgrade does not text workers or alert the desk again
    # about old news (formsvc.duties.remote_follow.settle). Those still on their way are settled as usual.
    ("0016_i24_old_transfers_told", """
UPDATE county_transfers SET settled_kind = CASE WHEN remote_status = 'withdrawn' THEN 'withdrawn' ELSE 'delivered' END
WHERE settled_kind = '' AND (remote_id IS NOT NULL OR remote_status = 'withdrawn')
  AND NOT EXISTS (SELECT 1 FROM events e WHERE e.complaint_id = county_transfers.complaint_id
                  AND e.kind = 'county_transfer_requested');
"""),
    # A case another county gave back (不属本县管辖) is this county's again from that day: its deadlines
    # (acknowledge, resolve, reminders, escalation) run from then, not from when it was filed
    # (formsvc.duties.remote_follow.settle sets it; NULL: from created_at).
    ("0017_i24_returned_deadlines", """
ALTER TABLE complaints ADD COLUMN deadlines_from TEXT;
"""),
    # A case the worker's "not paid" reopened counts its deadlines from the reopen too
    # (formsvc.case.cases.reopen_in_transaction sets it now); cases reopened before, still open, get it
    # here, so the reminder, the escalation and the desk count from the day the worker's page says.
    ("0018_i24_reopen_deadlines", """
UPDATE complaints SET deadlines_from = reopened_at
WHERE reopened_at IS NOT NULL AND reopened_at > COALESCE(deadlines_from, '')
  AND status NOT IN ('resolved', 'closed_unfounded', 'transferred_out');
"""),
]


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def iso(dt: datetime) -> str:
    """Timestamps are stored as UTC ISO 8601 text, which sorts and compares correctly as text."""
    return dt.astimezone(timezone.utc).isoformat(timespec="seconds")


def connect(path: str | Path) -> sqlite_utils.Database:
    """Open the database with the settings a web server needs (WAL, busy timeout, foreign keys)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    _enable_wal(conn)
    conn.execute("PRAGMA synchronous = NORMAL")  # durable against a killed process; WAL keeps it consistent
    conn.execute("PRAGMA foreign_keys = ON")
    # SQLite's own checkpoint runs inside the commit that crosses the threshold. For submissions
    # that commit is inside the writers' turn, so write_turns.checkpoint_now_and_then checkpoints
    # more often, outside the turn; this stays as the safety net for every connection. Measured
    # (bench/bench_intake.py): 10,000 pages here made those in-turn checkpoints the p99 (~40 ms).
    conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT_PAGES}")
    return sqlite_utils.Database(conn)


def _enable_wal(conn: sqlite3.Connection, attempts: int = 50) -> None:
    """Switch a new database to WAL. Two processes creating the same new file at once (gunicorn
    workers at first start) can meet "database is locked" here: switching the journal mode takes
    an exclusive lock that the busy timeout does not wait for, so retry briefly."""
    for attempt in range(attempts):
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or attempt == attempts - 1:
                raise
            time.sleep(0.05 + random.random() * 0.05)


@contextlib.contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One atomic write: ``BEGIN IMMEDIATE`` ... ``COMMIT``, rolled back on any exception."""
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    else:
        db.conn.execute("COMMIT")


def applied_migrations(db: sqlite_utils.Database) -> list[str]:
    if "schema_migrations" not in db.table_names():
        return []
    return [r["name"] for r in db.query("SELECT name FROM schema_migrations ORDER BY applied_at, name")]


def pending_migrations(db: sqlite_utils.Database) -> list[str]:
    done = set(applied_migrations(db))
    return [name for name, _ in MIGRATIONS if name not in done]


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply every pending migration, each in its own transaction; return the names applied."""
    db.conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    applied = []
    for name, sql in MIGRATIONS:
        if name in set(applied_migrations(db)):
            continue
        with write_transaction(db):
            # Checked again under the write lock: another process (a second gunicorn worker
            # starting at the same moment) may have applied it since the check above.
            if db.conn.execute("SELECT 1 FROM schema_migrations WHERE name = ?", (name,)).fetchone():
                continue
            for statement in _statements(sql):
                db.conn.execute(statement)
            db.conn.execute("INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)", (name, iso(utcnow())))
        applied.append(name)
    return applied


def _statements(sql: str) -> list[str]:
    """Split a migration into statements (executescript would COMMIT our transaction)."""
    out, buf = [], []
    for line in sql.splitlines():
        buf.append(line)
        if sqlite3.complete_statement("\n".join(buf)):
            stmt = "\n".join(buf).strip()
            if stmt and stmt != ";":
                out.append(stmt)
            buf = []
    rest = "\n".join(buf).strip()
    if rest:
        out.append(rest)
    return out


def open_db(path: str | Path) -> sqlite_utils.Database:
    """Connect and bring the schema up to date: what the app, worker and commands call."""
    db = connect(path)
    migrate(db)
    return db
