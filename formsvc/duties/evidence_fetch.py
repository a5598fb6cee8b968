"""Evidence that travels as files (issue 24): a partner county's links fetched once, stored as ours.

A case transferred here arrives with ``media_url`` links to its files (``formsvc.case.evidence_links``
on a WageSafe sender: signed, short-lived, single use, naming size and SHA-256). Links in the
description were the old way: the desk said "没有上传材料", the links lived a week and opened for
anyone who saw them. Now the POST only records one ``evidence_fetches`` row per link (never in the
request: a partner's request must not wait on its own server), and the worker fetches each file at
once (``fetch_due``, every round of its loop via ``scheduler.every_round``):

- only from the host of a partner county's endpoint (``partners.yaml``), never a redirect: a request
  cannot make this server fetch an address of its choosing;
- at most ``MAX_UPLOAD_MB``, refused beyond (the answer is read in chunks, never whole);
- the size and SHA-256 the link names must match what arrived (a file cut short or changed is not
  evidence);
- then the same checks as a worker's upload (``formsvc.case.evidence``: the file's own bytes say what
  it is; photos decoded with a pixel limit and re-encoded, ``image_check``) and the same staging:
  written to a ``.part`` file, the row committed, then published.

A failed fetch is retried with the notices' backoff, up to ``NOTICE_MAX_ATTEMPTS``; a link the sender
answers 403/404/410 for (expired, used, gone) fails at once. Either way the row says why, for the desk.
"""

from __future__ import annotations

import hashlib
import io
import logging
from datetime import datetime, timedelta
from pathlib import Path

import requests
from werkzeug.datastructures import FileStorage

from formsvc.case import evidence, evidence_links
from formsvc.storage.store import iso, write_transaction

log = logging.getLogger("wagesafe.open311")
TIMEOUT_SECONDS = 20
BATCH = 10


def backoff(attempts: int) -> timedelta:
    """30 s doubling per failed try, at most an hour (the notices' schedule, without their jitter)."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


class FetchFailed(Exception):
    def __init__(self, reason: str, final: bool = False):
        super().__init__(reason)
        self.final = final


def enqueue(db, complaint_id: int, urls, now: datetime) -> None:
    """One row per link, for the worker (its own small transaction, after the case's)."""
    with write_transaction(db):
        for url in urls:
            size, sha = evidence_links.promised(url)
            db.conn.execute("INSERT INTO evidence_fetches (complaint_id, url, size, sha256, next_attempt_at, created_at)"
                            " VALUES (?, ?, ?, ?, ?, ?)", (complaint_id, url, size, sha, iso(now), iso(now)))


def _download(url: str, max_bytes: int) -> tuple[bytes, str]:
    """The file's bytes and its name (Content-Disposition), at most ``max_bytes``."""
    try:
        with requests.get(url, timeout=TIMEOUT_SECONDS, stream=True, allow_redirects=False) as resp:
            if resp.status_code in (403, 404, 410):
                raise FetchFailed(f"对方链接已失效或已被使用（HTTP {resp.status_code}）", final=True)
            if resp.status_code != 200:
                raise FetchFailed(f"对方系统答复 HTTP {resp.status_code}")
            declared = resp.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise FetchFailed(f"文件太大（{int(declared) // 1048576} MB）", final=True)
            out = bytearray()
            for chunk in resp.iter_content(65536):
                out += chunk
                if len(out) > max_bytes:
                    raise FetchFailed("文件太大", final=True)
            name = ""
            disposition = resp.headers.get("Content-Disposition", "")
            if "filename*=UTF-8''" in disposition:
                from urllib.parse import unquote

                name = unquote(disposition.split("filename*=UTF-8''", 1)[1].split(";")[0])
            elif "filename=" in disposition:
                name = disposition.split("filename=", 1)[1].split(";")[0].strip('"')
            return bytes(out), name
    except requests.RequestException as e:
        raise FetchFailed(f"无法连接对方系统（{type(e).__name__}）") from None


def partner_hosts(config) -> set[str]:
    """The hosts of our partner counties' Open311 endpoints: the only hosts a link is fetched from, so a
    request cannot make this server fetch an address of the partner's choosing (an internal service)."""
    from urllib.parse import urlsplit

    from wagesafe.registry.partners import check_partners, partners_source

    partners, _ = check_partners(partners_source(config), production=config.production)
    return {(urlsplit(c.open311_url).hostname or "").lower() for c in partners.counties.values()}


def fetch_one(db, config, row: dict, now: datetime, hosts: set[str] | None = None) -> str:
    """Fetch, check and store one file; return ``stored`` or raise ``FetchFailed``."""
    from urllib.parse import urlsplit

    hosts = partner_hosts(config) if hosts is None else hosts
    if (urlsplit(row["url"]).hostname or "").lower() not in hosts:
        raise FetchFailed("链接不在任何协作县的地址下（partners.yaml），为安全未取回", final=True)
    data, name = _download(row["url"], int(config.max_upload_mb * 1024 * 1024))
    if row["size"] is not None and len(data) != row["size"]:
        raise FetchFailed(f"文件大小不符（应为 {row['size']} 字节，收到 {len(data)} 字节）")
    if row["sha256"] and hashlib.sha256(data).hexdigest() != row["sha256"]:
        raise FetchFailed("文件校验值（SHA-256）不符，文件可能已损坏", final=True)
    storage = FileStorage(stream=io.BytesIO(data), filename=name or "对方证据")
    mime, problem = evidence.inspect(storage, int(config.max_upload_mb * 1024 * 1024))
    if problem is not None:
        raise FetchFailed(f"文件不是可接受的照片或 PDF，或已损坏（{problem.key}）", final=True)
    upload_dir = Path(config.upload_dir)
    upload_dir.mkdir(parents=True, exist_ok=True)
    staged = evidence.stage(storage, mime, upload_dir)
    try:
        with write_transaction(db):
            r = staged.row()
            cur = db.conn.execute(
                "INSERT INTO evidence (complaint_id, stored_name, original_name, mime, size, sha256, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)", (row["complaint_id"], r["stored_name"], r["original_name"], r["mime"],
                                                  r["size"], r["sha256"], iso(now)))
            db.conn.execute("UPDATE evidence_fetches SET status = 'stored', evidence_id = ?, last_error = '',"
                            " attempts = attempts + 1 WHERE id = ?", (cur.lastrowid, row["id"]))
    except BaseException:
        evidence.discard([staged])
        raise
    evidence.publish([staged])
    return "stored"


def fetch_due(db, config, now: datetime) -> list[str]:
    """Fetch every file due now; return a line per file stored or given up."""
    rows = list(db.query("SELECT f.* FROM evidence_fetches f JOIN complaints c ON c.id = f.complaint_id"
                         " WHERE f.status = 'pending' AND f.next_attempt_at <= ? AND c.redacted_at IS NULL"
                         " ORDER BY f.next_attempt_at, f.id LIMIT ?", (iso(now), BATCH)))
    lines = []
    hosts = partner_hosts(config) if rows else set()
    for row in rows:
        try:
            fetch_one(db, config, row, now, hosts)
            lines.append(f"case {row['complaint_id']}: partner's evidence file stored")
        except FetchFailed as e:
            attempts = row["attempts"] + 1
            final = e.final or attempts >= config.notice_max_attempts
            with write_transaction(db):
                db.conn.execute("UPDATE evidence_fetches SET attempts = ?, last_error = ?, status = ?,"
                                " next_attempt_at = ? WHERE id = ?",
                                (attempts, str(e)[:300], "failed" if final else "pending",
                                 iso(now + backoff(attempts)), row["id"]))
            log.warning("case %s: evidence from the partner %s: %s", row["complaint_id"],
                        "given up" if final else "will be retried", e)
            if final:
                lines.append(f"case {row['complaint_id']}: partner's evidence file could not be fetched: {e}")
    return lines


def of_case(db, case_id: int) -> list[dict]:
    """The case's fetches, for the desk: how many files the sending county's request named, and why one failed."""
    return list(db.query("SELECT id, status, attempts, last_error, evidence_id FROM evidence_fetches"
                         " WHERE complaint_id = ? ORDER BY id", (case_id,)))
