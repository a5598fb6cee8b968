"""Files a worker already sent, kept while the form comes back with errors.

Why: a worker on a weak signal who sent three photos and mistyped the mobile used to get the
form back with the photos dropped ("choose them again"), and had to upload them a second time.
Now every file that passed ``evidence.inspect`` is kept under ``<upload_dir>/held/`` under a
random name, and the form carries one signed reference per file (a checkbox the worker may
untick). The next POST of the same form claims them: they go through ``evidence.inspect`` and
``evidence.stage`` again like any upload (the server still checks every file by its content),
and are deleted once the complaint is stored.

A reference is signed with the app's secret and bound to the form's submission token, so it
cannot be forged or carried to another form, and it expires after ``MAX_AGE_SECONDS``. Held
files are personal data without a case: ``sweep`` deletes those older than that age (run each
time a file is held, and by ``recover``-like callers that want to).
"""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.datastructures import FileStorage

from . import evidence

HELD_DIR = "held"
MAX_AGE_SECONDS = 6 * 3600


@dataclass(frozen=True)
class Held:
    """A held file as the form shows it: the signed reference and the sender's file name."""

    ref: str
    name: str


def _signer(secret: str, token: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="wagesafe-held-upload:" + token)


def _dir(upload_dir: Path) -> Path:
    path = Path(upload_dir) / HELD_DIR
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def hold(storage, mime: str, upload_dir: Path, secret: str, token: str) -> Held:
    """Keep one inspected upload until the form comes back; its signed reference."""
    folder = _dir(upload_dir)
    sweep(upload_dir)
    stored = f"{secrets.token_hex(16)}.{evidence.ALLOWED[mime]}"
    stream = storage.stream
    stream.seek(0)
    fd = os.open(folder / stored, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
    with os.fdopen(fd, "wb") as out:
        while chunk := stream.read(evidence.CHUNK):
            out.write(chunk)
    stream.seek(0)
    name = evidence.clean_name(storage.filename)
    return Held(ref=_signer(secret, token).dumps([stored, name]), name=name)


class HeldUpload(FileStorage):
    """A held file claimed by a new POST: a ``FileStorage`` that remembers where it is kept."""

    held_path: Path
    held_ref: str


def claim(refs: list[str], upload_dir: Path, secret: str, token: str) -> list[HeldUpload]:
    """The held files a POST names (bad, expired or missing references are skipped)."""
    out: list[HeldUpload] = []
    signer = _signer(secret, token)
    folder = Path(upload_dir) / HELD_DIR
    for ref in dict.fromkeys(refs):  # each at most once
        try:
            stored, name = signer.loads(ref, max_age=MAX_AGE_SECONDS)
        except (BadSignature, ValueError, TypeError):
            continue
        if not isinstance(stored, str) or "/" in stored or stored.startswith("."):
            continue
        path = folder / stored
        try:
            stream = open(path, "rb")
        except OSError:
            continue
        upload = HeldUpload(stream=stream, filename=str(name), name="evidence")
        upload.held_path, upload.held_ref = path, ref
        out.append(upload)
    return out


def is_held(storage) -> bool:
    return isinstance(storage, HeldUpload)


def release(files, delete: bool) -> None:
    """Close claimed files; ``delete``: the complaint is stored, the held copies go."""
    for f in files:
        if is_held(f):
            f.stream.close()
            if delete:
                f.held_path.unlink(missing_ok=True)


def sweep(upload_dir: Path, now: float | None = None) -> int:
    """Delete held files older than ``MAX_AGE_SECONDS``; how many went."""
    now = time.time() if now is None else now
    folder = Path(upload_dir) / HELD_DIR
    removed = 0
    for path in folder.glob("*") if folder.is_dir() else ():
        try:
            if now - path.stat().st_mtime > MAX_AGE_SECONDS:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed
