"""SMS senders: a file provider for development, Aliyun's SendSms API, and none.

An SMS carries a link to the case and no personal data of the worker: that is the job of
whoever writes the notice (``formsvc.notify.notices``); a provider sends what it is given.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

from .aliyun import AliyunSmsProvider
from .base import Discard, Notice, PermanentFailure, TemporaryFailure
from .files import atomic_write

__all__ = ["AliyunSmsProvider", "FileSmsProvider", "NoSms"]


class FileSmsProvider:
    """Writes each SMS as one JSON file under ``<VAR_DIR>/sms/`` instead of sending it (development).

    The file is named after the notice id, so a retry after a crash overwrites the same file
    rather than making a second one: the folder shows what an officer's phone would have got.
    """

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def path_for(self, notice: Notice) -> Path:
        return self.directory / f"notice-{int(notice['id']):08d}.json"

    def send(self, notice: Notice) -> None:
        number = re.sub(r"[\s-]", "", notice.get("recipient") or "")
        if not number:
            raise PermanentFailure("no mobile number to send the SMS to")
        record = {
            "notice_id": notice["id"], "to": number, "kind": notice.get("kind", ""),
            "complaint_id": notice.get("complaint_id"), "body": notice["body"],
            "written_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        try:
            atomic_write(self.path_for(notice), json.dumps(record, ensure_ascii=False, indent=2).encode("utf-8"))
        except OSError as e:  # disk full, permissions: may heal
            raise TemporaryFailure(f"cannot write SMS file under {self.directory}: {e}") from e


class NoSms(Discard):
    """``SMS_PROVIDER=none``: SMS notices are accepted and dropped; officers still get the email."""

    def __init__(self):
        super().__init__("SMS_PROVIDER=none")
