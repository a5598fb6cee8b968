"""Open311 GeoReport v2 as a notice channel: requests to another county or the provincial platform.

A transfer to another county and a report to the province are outbox notices like an email
(``channel = 'open311'``), so they get the same guarantees for free: queued in the change's own
transaction, retried with backoff while the other end is down, ``dead`` after too many tries or
a refusal, shown on the desk and sent again from there.

The notice's body is JSON that says what to send, not the key: ``target`` (``county:<code>``
from ``partners.yaml``, or ``province``), ``op`` (``post_request`` or ``post_update``), the
Open311 ``params`` and an ``idempotency_key``, sent as the ``Idempotency-Key`` header with every
attempt so that a retry after a lost answer finds the first case there instead of making a
second one. The API key is read at send time from the setting the registry names
(``key_setting``) or ``PROVINCIAL_OPEN311_KEY``; it never sits in the database.

On success the receiver's ``service_request_id`` is written back (``county_transfers`` or
``provincial_reports``) in its own small transaction, like ``mark_sent``.

HTTP goes through ``requests`` (the de-facto standard Python HTTP client). The Open311 client
libraries on PyPI were tried first: ``georeport`` (0.3.1) reads but cannot POST and sets no
timeout, ``open311`` (1.1) and ``three`` (0.8) are Python 2 only. ``georeport`` is used by the
tests, as an independent client of our own API.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from datetime import datetime, timezone

import requests

from wagesafe.config import Config

from .base import DeliveryError, Notice, PermanentFailure, TemporaryFailure, Unreachable

log = logging.getLogger("wagesafe.open311")
TIMEOUT_SECONDS = 10


def _describe(resp: requests.Response) -> str:
    """The receiver's Open311 error (``[{"code", "description"}]``), or the start of its answer."""
    try:
        data = resp.json()
        if isinstance(data, list) and data and isinstance(data[0], dict) and "description" in data[0]:
            return "; ".join(str(e.get("description", "")) for e in data)[:300]
    except ValueError:
        pass
    return resp.text[:300]


def key_mark(key: str) -> str:
    """A short fingerprint of a key (never the key), written with a refusal: when the setting holds
    another key, the refused requests are tried again at once (``Open311Sender.wake_waiting``)."""
    import hashlib

    return "key#" + hashlib.sha256(key.encode()).hexdigest()[:8]


class Open311Client:
    """A small GeoReport v2 client with timeouts, speaking JSON."""

    def __init__(self, base_url: str, api_key: str = "", jurisdiction_id: str = "", timeout: float = TIMEOUT_SECONDS,
                 session: requests.Session | None = None):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.jurisdiction_id = jurisdiction_id
        self.timeout = timeout
        self.session = session or requests.Session()

    def _call(self, method: str, path: str, *, data=None, params=None, headers=None):
        url = f"{self.base_url}/{path}"
        headers = {**(headers or {}), **({"X-Api-Key": self.api_key} if self.api_key and method == "GET" else {})}
        try:
            resp = self.session.request(method, url, data=data, params=params, headers=headers or None,
                                        timeout=self.timeout)
        except (requests.ConnectionError, requests.Timeout) as e:
            # The other end is down: the worker probes it (``probe``) and sends as soon as it answers.
            raise Unreachable(f"{url}: {type(e).__name__}") from None
        except requests.RequestException as e:
            raise TemporaryFailure(f"{url}: {type(e).__name__}: {e}") from None
        if resp.status_code in (408, 425, 429) or resp.status_code >= 500:
            raise TemporaryFailure(f"{url}: HTTP {resp.status_code}: {_describe(resp)}")
        if resp.status_code in (401, 403):
            # Our key refused: an operator may be rotating or fixing it. Retried under the same policy as an
            # outage (never dead at once); the county desk is told (formsvc.duties.remote_follow.settle).
            raise TemporaryFailure(f"{url}: HTTP {resp.status_code} KEY_REFUSED {key_mark(self.api_key)}: "
                                   f"{_describe(resp)}")
        if resp.status_code >= 400:
            raise PermanentFailure(f"{url}: HTTP {resp.status_code}: {_describe(resp)}")
        try:
            return resp.json()
        except ValueError:
            raise TemporaryFailure(f"{url}: the answer is not JSON: {resp.text[:200]}") from None

    def _common(self) -> list[tuple[str, str]]:
        out = []
        if self.jurisdiction_id:
            out.append(("jurisdiction_id", self.jurisdiction_id))
        return out

    def post_request(self, params: list[tuple[str, str]], idempotency_key: str = "") -> str:
        """POST requests.json; return the receiver's ``service_request_id``."""
        return self.post_request_answer(params, idempotency_key)["service_request_id"]

    def post_request_answer(self, params: list[tuple[str, str]], idempotency_key: str = "") -> dict:
        """POST requests.json; the receiver's answer for the request (``service_request_id`` as text,
        and ``receipt`` when the receiver is a WageSafe, which tells the posting partner the worker's number)."""
        data = [("api_key", self.api_key), *self._common(), *params]
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        answer = self._call("POST", "requests.json", data=data, headers=headers)
        try:
            first = dict(answer[0])
            first["service_request_id"] = str(first["service_request_id"])
        except (LookupError, TypeError, ValueError):
            raise PermanentFailure(f"no service_request_id in the answer: {str(answer)[:200]}") from None
        return first

    def post_update(self, params: list[tuple[str, str]]) -> None:
        """POST servicerequestupdates.json (the FixMyStreet extension of GeoReport v2)."""
        self._call("POST", "servicerequestupdates.json", data=[("api_key", self.api_key), *self._common(), *params])

    def get_request(self, request_id: str) -> dict:
        """GET requests/<id>.json: the one request (status, status_notes, agency_responsible...)."""
        # With our key: a keyed read is not limited per address at the other county (issue 25).
        headers = {"X-Api-Key": self.api_key} if self.api_key else None
        answer = self._call("GET", f"requests/{request_id}.json", params=self._common(), headers=headers)
        if isinstance(answer, list) and answer and isinstance(answer[0], dict):
            return answer[0]
        if isinstance(answer, dict):
            return answer
        raise TemporaryFailure(f"unexpected answer for request {request_id}: {str(answer)[:200]}")


KEYS_FILE = "partner-keys.env"


def keys_file(config: Config) -> dict[str, str]:
    """``<VAR_DIR>/partner-keys.env`` (``NAME=value`` lines), read at each send: where a running demo
    finds a key issued after it started (``scripts/run-county-b.sh``). A deployment sets the variables
    in its environment file instead; the variable wins over the file."""
    path = config.var_dir / KEYS_FILE
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return {}
    pairs = (line.split("=", 1) for line in lines if "=" in line and not line.lstrip().startswith("#"))
    return {k.strip(): v.strip() for k, v in pairs}


def client_for(target: str, config: Config, environ: Mapping | None = None) -> Open311Client:
    """The client for a notice's ``target``: ``province`` or ``county:<code>`` of ``partners.yaml``.

    :raises PermanentFailure: the target is not configured (retrying cannot help until a person fixes it).
    """
    env = os.environ if environ is None else environ
    if target == "province":
        if not (config.provincial_open311_url and config.provincial_open311_key):
            raise PermanentFailure("PROVINCIAL_OPEN311_URL or PROVINCIAL_OPEN311_KEY is not set")
        from wagesafe.registry import load_registry

        jurisdiction = config.provincial_jurisdiction_id or load_registry(config.data_dir).county.code
        return Open311Client(config.provincial_open311_url, config.provincial_open311_key, jurisdiction)
    if target.startswith("county:"):
        from wagesafe.registry.partners import PartnersError, load_partners, partners_source

        try:
            partners = load_partners(partners_source(config), production=config.production)
        except PartnersError as e:  # an operator fixes the file; the transfer waits for it, it is not lost
            raise TemporaryFailure(f"partners.yaml 有错误，修正后自动发送 (partners.yaml is broken): {e.problems[0]}") from None
        county = partners.counties.get(target.removeprefix("county:"))
        if county is None:
            raise PermanentFailure(f"{target} is not in partners.yaml")
        key = env.get(county.key_setting, "") or keys_file(config).get(county.key_setting, "")
        if not key:
            raise PermanentFailure(f"the setting {county.key_setting} (our key for {county.name_zh}) is empty")
        return Open311Client(county.open311_url, key, county.jurisdiction_id)
    raise PermanentFailure(f"unknown Open311 target {target!r}")


class Open311Sender:
    """Delivers ``open311`` notices (see the module's docstring) and records the receiver's id."""

    def __init__(self, config: Config, environ: Mapping | None = None):
        self.config = config
        self.environ = environ

    def _db(self):
        from formsvc.storage import store

        return store.open_db(self.config.database)

    def send(self, notice: Notice) -> None:
        try:
            job = json.loads(notice["body"])
            target, op, params = job["target"], job["op"], [tuple(p) for p in job["params"]]
        except (ValueError, KeyError, TypeError):
            raise PermanentFailure("the notice's body is not an Open311 job") from None
        client = client_for(target, self.config, self.environ)
        if op == "post_request":
            params += self._evidence_links(job)
            answer = client.post_request_answer(params, job.get("idempotency_key", ""))
            self._record(job, answer["service_request_id"], str(answer.get("receipt") or "")[:40])
        elif op == "post_update":
            remote_id = self._remote_id_of(job)
            client.post_update([("service_request_id", remote_id), *params])
        else:
            raise PermanentFailure(f"unknown Open311 operation {op!r}")

    def _evidence_links(self, job: dict) -> list[tuple[str, str]]:
        """Fresh signed links to the case's files, made now (each attempt: a link lives
        ``OPEN311_EVIDENCE_LINK_HOURS`` from its sending, however long the other county was down)."""
        ids = [int(i) for i in job.get("evidence_ids") or []]
        if not ids or not job.get("transfer_id"):
            return []
        from formsvc.case import evidence_links

        db = self._db()
        try:
            marks = ",".join("?" * len(ids))
            rows = db.conn.execute(f"SELECT e.id, e.size, e.sha256 FROM evidence e JOIN complaints c"
                                   f" ON c.id = e.complaint_id WHERE e.id IN ({marks}) AND c.redacted_at IS NULL"
                                   f" ORDER BY e.id", ids).fetchall()
        finally:
            db.conn.close()
        now = datetime.now(timezone.utc)
        return [("media_url", evidence_links.make(self.config.public_base_url, self.config.secret_key, r[0], now,
                                                  self.config.open311_evidence_link_hours,
                                                  transfer_id=int(job["transfer_id"]), size=r[1] or 0,
                                                  sha256=r[2] or "")) for r in rows]

    def wake_waiting(self, db, now: datetime) -> dict[str, int]:
        """Recovery like the mail probe (issue 24): for each partner county whose requests wait for it
        (unreachable, or our key refused), ask it once (its ``services.json``, 3 s); when it answers, its
        waiting requests are due now instead of at the end of their backoff. Returns target → woken."""
        from formsvc.storage import store

        woken = {}
        targets = [r[0] for r in db.conn.execute(
            "SELECT DISTINCT recipient FROM notices WHERE channel = 'open311' AND status = 'pending'"
            " AND next_attempt_at > ? AND (last_error LIKE '%Unreachable%' OR last_error LIKE '%KEY_REFUSED%')",
            (store.iso(now),))]
        for target in targets:
            try:
                client = client_for(target, self.config, self.environ)
                client.timeout = 3  # the worker loop waits for it: a partner that swallows packets costs little
                client._call("GET", "services.json", params=client._common())  # public: answers whatever our key
            except DeliveryError:
                continue  # still down, or not configured
            # Requests that waited for the server, and those refused under a key the setting no longer holds.
            with store.write_transaction(db):
                cur = db.conn.execute("UPDATE notices SET next_attempt_at = ? WHERE channel = 'open311'"
                                      " AND status = 'pending' AND recipient = ? AND next_attempt_at > ?"
                                      " AND (last_error LIKE '%Unreachable%'"
                                      "      OR (last_error LIKE '%KEY_REFUSED%' AND last_error NOT LIKE ?))",
                                      (store.iso(now), target, store.iso(now), f"%{key_mark(client.api_key)}%"))
            woken[target] = cur.rowcount
            log.info("%s answers again: %d waiting request(s) are due now", target, cur.rowcount)
        return woken

    def _remote_id_of(self, job: dict) -> str:
        db = self._db()
        try:
            row = db.conn.execute("SELECT remote_id FROM provincial_reports WHERE complaint_id = ?",
                                  (job.get("complaint_id"),)).fetchone()
        finally:
            db.conn.close()
        if not row or not row[0]:
            raise TemporaryFailure("the case itself has not reached the province yet; the update waits for it")
        return row[0]

    def _record(self, job: dict, remote_id: str, receipt: str = "") -> None:
        """Write the receiver's id back where the job says (its own small transaction)."""
        from formsvc.storage import store

        at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        db = self._db()
        try:
            with store.write_transaction(db):
                if job.get("transfer_id"):
                    db.conn.execute("UPDATE county_transfers SET remote_id = ?, delivered_at = COALESCE(delivered_at, ?),"
                                    " remote_receipt = ?,"
                                    " remote_status = CASE remote_status WHEN '' THEN 'open' ELSE remote_status END"
                                    " WHERE id = ?", (remote_id, at, receipt, job["transfer_id"]))
                    # The case's events (delivered, the worker's SMS) follow in remote_follow.settle.
                elif job.get("target") == "province" and job.get("complaint_id"):
                    db.conn.execute("UPDATE provincial_reports SET remote_id = ? WHERE complaint_id = ?",
                                    (remote_id, job["complaint_id"]))
        finally:
            db.conn.close()
        log.info("open311 %s: delivered, remote id %s", job.get("target"), remote_id)
