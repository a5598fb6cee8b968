"""Email notices over SMTP (smtplib): any real SMTP server, or the demo's mail catcher.

Why the details:
- The Message-ID is derived from the notice (its id and creation time), not random: when a
  worker dies after the server accepted a message but before the notice was marked sent, the
  retry carries the same Message-ID, so mail clients and the officer can tell it is the same
  notice and not a second case.
- One connection per notice keeps the code simple; notices are few (one per case event), so
  connection reuse would buy nothing worth its failure modes.
- Errors are sorted into temporary (retry with backoff) and permanent (mark dead) by the
  SMTP reply code: 5xx about a recipient or the message is permanent, everything else
  (refused connection, timeout, 4xx, authentication) may heal and is retried.
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, parseaddr

from wagesafe.config import Config

from .base import Notice, PermanentFailure, TemporaryFailure, Unreachable


def message_id(notice: Notice, domain: str) -> str:
    """A Message-ID that is the same for every attempt at one notice, and differs between databases."""
    salt = hashlib.sha256(str(notice.get("created_at", "")).encode()).hexdigest()[:10]
    return f"<notice-{notice['id']}.{salt}@{domain}>"


def build_message(notice: Notice, mail_from: str, *, date=None) -> EmailMessage:
    """The MIME message for one notice: UTF-8 subject and plain-text body, stable Message-ID."""
    _, from_addr = parseaddr(mail_from)
    domain = from_addr.rpartition("@")[2] or "wagesafe.localhost"
    msg = EmailMessage()
    msg["From"] = mail_from
    msg["To"] = notice["recipient"]
    msg["Subject"] = notice.get("subject") or "WageSafe 薪安通"
    msg["Date"] = format_datetime(date or datetime.now(timezone.utc))
    msg["Message-ID"] = message_id(notice, domain)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies to a robot
    msg["X-WageSafe-Notice"] = f"{notice['id']} {notice.get('kind', '')}".strip()
    msg.set_content(notice["body"], charset="utf-8")
    return msg


class EmailSender:
    """Sends a notice as one email over SMTP, with optional STARTTLS and login."""

    def __init__(self, host: str, port: int, *, mail_from: str, user: str = "", password: str = "",
                 starttls: bool = False, timeout: float = 10.0, ssl_context: ssl.SSLContext | None = None):
        self.host, self.port = host, port
        self.mail_from = mail_from
        self.user, self.password = user, password
        self.starttls, self.timeout = starttls, timeout
        self.ssl_context = ssl_context

    @classmethod
    def from_config(cls, config: Config) -> "EmailSender":
        return cls(config.smtp_host, config.smtp_port, mail_from=config.mail_from, user=config.smtp_user,
                   password=config.smtp_password, starttls=config.smtp_starttls, timeout=config.smtp_timeout)

    def send(self, notice: Notice) -> None:
        """Hand the notice to the SMTP server.

        :raises PermanentFailure: no valid recipient, or the server refused the recipient or message (5xx).
        :raises TemporaryFailure: anything that may heal: no connection, timeout, 4xx, login refused.
        """
        recipients = [addr for _, addr in getaddresses([notice.get("recipient") or ""]) if "@" in addr]
        if not recipients:
            raise PermanentFailure(f"not an email address: {notice.get('recipient')!r}")
        msg = build_message(notice, self.mail_from)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=self.ssl_context or ssl.create_default_context())
                if self.user:
                    smtp.login(self.user, self.password)
                refused = smtp.send_message(msg, from_addr=parseaddr(self.mail_from)[1], to_addrs=recipients)
        except smtplib.SMTPRecipientsRefused as e:
            codes = [code for code, _ in e.recipients.values()]
            detail = "; ".join(f"{rcpt}: {code} {_text(resp)}" for rcpt, (code, resp) in e.recipients.items())
            if all(code >= 500 for code in codes):
                raise PermanentFailure(f"recipient refused: {detail}") from e
            raise TemporaryFailure(f"recipient deferred: {detail}") from e
        except smtplib.SMTPAuthenticationError as e:
            raise TemporaryFailure(f"SMTP login refused ({e.smtp_code}); check SMTP_USER/SMTP_PASSWORD") from e
        except smtplib.SMTPDataError as e:
            cls = PermanentFailure if e.smtp_code >= 500 else TemporaryFailure
            raise cls(f"message refused: {e.smtp_code} {_text(e.smtp_error)}") from e
        except smtplib.SMTPResponseException as e:
            raise TemporaryFailure(f"SMTP error {e.smtp_code} {_text(e.smtp_error)}") from e
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError) as e:  # refused, reset, timeout, DNS
            raise Unreachable(f"cannot reach SMTP server {self.host}:{self.port}: {e}") from e
        except smtplib.SMTPException as e:  # TLS failure and the like: the server is there
            raise TemporaryFailure(f"SMTP failure with {self.host}:{self.port}: {e}") from e
        if refused:  # some recipients accepted, some refused: the accepted ones have it; do not resend
            return None

    def probe(self) -> bool:
        """Is the SMTP server answering? Connect, EHLO, NOOP, QUIT: no message, no login."""
        try:
            with smtplib.SMTP(self.host, self.port, timeout=min(self.timeout, 5.0)) as smtp:
                smtp.ehlo()
                return smtp.noop()[0] == 250
        except (smtplib.SMTPException, OSError):
            return False


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
