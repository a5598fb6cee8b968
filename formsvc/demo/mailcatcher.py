"""The demo's mail catcher: an SMTP server that keeps every message as a file, and its inbox page.

``make run`` must show the officers' emails without a real mail server: the notice worker
sends to 127.0.0.1:8025 as it would to any SMTP server (so the real delivery path is what
the demo shows), this server stores each message as an ``.eml`` file under ``<VAR_DIR>/mail/``,
and ``/dev/mail`` lists them for a person in the browser, links clickable. The blueprint is
registered only outside production: it shows every notice to anyone who can reach it.
"""

from __future__ import annotations

import json

import re
import uuid
from datetime import datetime, timezone
from email import policy
from email.parser import BytesParser
from pathlib import Path

from aiosmtpd.controller import Controller
from flask import Blueprint, Response, abort, current_app, render_template_string
from markupsafe import Markup, escape

from wagesafe.localtime import format_local

from formsvc.notify.notifiers.files import atomic_write

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8025
_NAME = re.compile(r"^[0-9]{8}T[0-9]{12}Z-[0-9a-f]{8}\.eml$")
_URL = re.compile(r"https?://[^\s<>&\"']+(?:&amp;[^\s<>&\"']+)*")


class MaildirHandler:
    """aiosmtpd handler: each accepted message becomes one ``.eml`` file, written atomically.

    The name starts with the UTC time of arrival, so sorting names sorts messages by time;
    the envelope's sender and recipients are kept as the first header lines.
    """

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    async def handle_DATA(self, server, session, envelope) -> str:
        now = datetime.now(timezone.utc)
        name = f"{now:%Y%m%dT%H%M%S%f}Z-{uuid.uuid4().hex[:8]}.eml"
        head = (f"X-Envelope-From: {envelope.mail_from}\r\n"
                f"X-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n").encode("utf-8", "replace")
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8")
        try:
            atomic_write(self.directory / name, head + content)
        except OSError:
            return "451 Requested action aborted: cannot store the message"
        return "250 Message accepted for delivery"


class _Controller(Controller):
    """aiosmtpd's threaded controller, also on port 0 (an ephemeral port, for tests)."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class MailCatcher:
    """Start and stop the catching SMTP server: ``MailCatcher(dir, port=0).start().port``."""

    def __init__(self, directory: Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._controller = _Controller(MaildirHandler(self.directory), hostname=host, port=port,
                                       data_size_limit=10 * 1024 * 1024)

    @property
    def host(self) -> str:
        return self._controller.hostname

    @property
    def port(self) -> int:
        return self._controller.port

    def start(self) -> "MailCatcher":
        """Listen; raises ``OSError`` when the port is taken (another demo is running, say)."""
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> "MailCatcher":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def read_message(path: Path):
    with open(path, "rb") as f:
        return BytesParser(policy=policy.default).parse(f)


def message_text(msg) -> str:
    """The readable body: the plain-text part (or the HTML part as text), decoded."""
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        return part.get_content()
    except (LookupError, ValueError):
        return part.get_payload(decode=True).decode("utf-8", "replace")


def linkify(text: str) -> Markup:
    """Escape the text, then make its http(s) addresses clickable."""
    escaped = str(escape(text))
    return Markup(_URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped))


bp = Blueprint("mailcatcher", __name__, url_prefix="/dev/mail")

_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
{% if refresh %}<meta http-equiv="refresh" content="10">{% endif %}
<title>{{ title }}</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f6f6f6;padding:1rem}.note{color:#555}td{overflow-wrap:anywhere}
@media (max-width:700px){thead{display:none}table,tbody,tr,td{display:block}tr{border-bottom:1px solid #ddd;padding:.5rem 0}
td{border:0;padding:.1rem 0}td a{display:inline-block;padding:.4rem 0}}</style></head><body>
{{ content }}</body></html>"""

_LIST = """<h1>收件箱 Demo inbox</h1>
<p class="note">演示用邮件捕获器收到的全部邮件（新的在前，每 10 秒刷新）。
Every email the demo's mail catcher received, newest first; refreshes every 10 s.</p>
{% if rows %}<table><thead><tr><th>时间 Date</th><th>收件人 To</th><th>主题 Subject</th></tr></thead><tbody>
{% for r in rows %}<tr><td>{{ r.date }}</td><td>{{ r.to }}</td>
<td><a href="{{ url_for('mailcatcher.show', name=r.name) }}">{{ r.subject or '(no subject)' }}</a></td></tr>
{% endfor %}</tbody></table>{% else %}<p>还没有邮件。No mail yet.</p>{% endif %}
<h2 id="sms">短信 SMS</h2>
<p class="note">文件短信通道（SMS_PROVIDER=file）写入 var/sms/ 的短信（新的在前）：给工作人员的和给工人的（有工人同意时）。
The SMS the file provider wrote to var/sms/, newest first: to officers, and to workers who agreed.</p>
{% if sms %}<table><thead><tr><th>时间 Written</th><th>手机 To</th><th>类型 Kind</th><th>内容 Text</th></tr></thead><tbody>
{% for s in sms %}<tr><td>{{ s.written_at }}</td><td>{{ s.to }}</td><td>{{ s.kind }}</td><td>{{ s.text }}</td></tr>
{% endfor %}</tbody></table>{% else %}<p>还没有短信。No SMS yet.</p>{% endif %}"""

_SHOW = """<p><a href="{{ url_for('mailcatcher.index') }}">← 收件箱 Inbox</a></p>
<h1>{{ subject }}</h1>
<p><b>From:</b> {{ sender }}<br><b>To:</b> {{ to }}<br><b>Date:</b> {{ date }}<br>
<b>Message-ID:</b> {{ message_id }}</p>
<pre>{{ body }}</pre>
<p><a href="{{ url_for('mailcatcher.raw', name=name) }}">原始邮件 Raw message (.eml)</a></p>"""


def _mail_dir() -> Path:
    return current_app.config["WAGESAFE"].var_dir / "mail"


def _render(title: str, inner: str, refresh: bool = False, **context) -> str:
    content = Markup(render_template_string(inner, **context))
    return render_template_string(_PAGE, title=title, content=content, refresh=refresh)


@bp.get("/")
def index():
    directory = _mail_dir()
    names = sorted((p.name for p in directory.glob("*.eml") if _NAME.match(p.name)), reverse=True)[:500]
    rows = []
    for name in names:
        try:
            msg = read_message(directory / name)
        except OSError:
            continue
        rows.append({"name": name, "date": msg.get("Date", ""), "to": msg.get("To", ""),
                     "subject": msg.get("Subject", "")})
    return _render("收件箱 Demo inbox", _LIST, refresh=True, rows=rows, sms=_sms_rows())


def _sms_rows(limit: int = 500) -> list[dict]:
    """The SMS files of ``<VAR_DIR>/sms/`` (``FileSmsProvider``), newest first, times in the county zone."""
    config = current_app.config["WAGESAFE"]
    directory = config.var_dir / "sms"
    rows = []
    for path in sorted(directory.glob("notice-*.json"), reverse=True)[:limit] if directory.is_dir() else []:
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        rows.append({"written_at": format_local(record.get("written_at"), config.timezone, with_zone=True),
                     "to": record.get("to", ""), "kind": record.get("kind", ""),
                     "text": linkify(record.get("body", ""))})
    return rows


def _path(name: str) -> Path:
    if not _NAME.match(name):
        abort(404)
    path = _mail_dir() / name
    if not path.is_file():
        abort(404)
    return path


@bp.get("/<name>")
def show(name: str):
    msg = read_message(_path(name))
    return _render(msg.get("Subject", "") or name, _SHOW, name=name, subject=msg.get("Subject", ""),
                   sender=msg.get("From", ""), to=msg.get("To", ""), date=msg.get("Date", ""),
                   message_id=msg.get("Message-ID", ""), body=linkify(message_text(msg)))


@bp.get("/<name>/raw")
def raw(name: str):
    return Response(_path(name).read_bytes(), mimetype="message/rfc822",
                    headers={"Content-Disposition": f"attachment; filename={name}"})
