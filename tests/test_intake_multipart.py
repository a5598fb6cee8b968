"""The multipart fast path (``formsvc.web.intake.multipart``) reads every body exactly as Werkzeug does.

Both parsers get the same bodies: browser-made complaints (with and without a photo), the
hostile-input catalogue's multipart requests, and many mutations of them (truncations, flipped
bytes, other line breaks, odd headers, boundaries inside values, too many parts). Their
``form``, ``files`` and errors must be identical.
"""

from __future__ import annotations

import io
import random
import re

import pytest
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.formparser import FormDataParser as WerkzeugParser
from werkzeug.http import parse_options_header

import hostile_inputs as H
from formsvc.web.intake import multipart
from formsvc.web.intake.multipart import FormDataParser as FastParser

B = "----WebKitFormBoundaryX3a9Kq"
D = b"--" + B.encode()


def part(name: str, value: str | bytes) -> bytes:
    value = value.encode() if isinstance(value, str) else value
    return D + b'\r\nContent-Disposition: form-data; name="' + name.encode() + b'"\r\n\r\n' + value + b"\r\n"


EMPTY_FILE = D + b'\r\nContent-Disposition: form-data; name="evidence"; filename=""\r\n' \
                 b"Content-Type: application/octet-stream\r\n\r\n\r\n"
PHOTO = D + b'\r\nContent-Disposition: form-data; name="evidence"; filename="a.jpg"\r\n' \
            b"Content-Type: image/jpeg\r\n\r\n\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(range(256)) * 4 + b"\r\n"
END = D + b"--\r\n"


def browser_body(file_part: bytes = EMPTY_FILE) -> bytes:
    return b"".join([part("csrf_token", "Ijk.x-y_z"), part("submission_token", "abcdefghijklmnopqrstuv"),
                     part("website", ""), part("name", "张三"), part("mobile", "13812345678"),
                     part("description", "第一行\r\n第二行\n\t三 <b>&amp;"), file_part, part("consent", "y"), END])


def parse(parser_class, body: bytes, ctype: str, **limits):
    mimetype, options = parse_options_header(ctype)
    parser = parser_class(max_form_memory_size=limits.get("mfms", 500_000), max_form_parts=limits.get("parts", 1000),
                          cls=ImmutableMultiDict)
    try:
        _, form, files = parser.parse(io.BytesIO(body), mimetype, len(body), options)
    except Exception as e:  # noqa: BLE001 - the comparison is the point
        return type(e).__name__
    return (list(form.items(multi=True)),
            [(k, f.filename, f.name, f.content_type, list(f.headers.items()), f.read()) for k, f in files.items(multi=True)])


def same(body: bytes, ctype: str = f"multipart/form-data; boundary={B}", **limits) -> None:
    assert parse(FastParser, body, ctype, **limits) == parse(WerkzeugParser, body, ctype, **limits), body[:300]


def test_browser_body_takes_the_fast_path_and_matches_werkzeug():
    body = browser_body()
    assert multipart.parse_simple(body, B, 1000) is not None
    same(body)
    fields, files = multipart.parse_simple(body, B, 1000)
    assert dict(fields)["description"] == "第一行\r\n第二行\n\t三 <b>&amp;"
    assert [(k, f.filename, f.read()) for k, f in files] == [("evidence", "", b"")]


def test_a_real_file_goes_to_werkzeug():
    body = browser_body(PHOTO)
    assert multipart.parse_simple(body, B, 1000) is None
    same(body)


@pytest.mark.parametrize("body", [
    browser_body().replace(b"\r\n", b"\n"),                                  # bare LF
    browser_body().replace(D + b"\r\n", D + b"  \r\n", 2),                   # blanks after a boundary
    part("a", "x\r\n" + D.decode() + "\r\ny") + END,                         # the boundary inside a value
    part("a", "x" + D.decode()) + END,
    b"preamble\r\n" + browser_body(),
    browser_body() + b"epilogue",
    browser_body()[:-2],                                                     # no final CRLF
    browser_body().replace(b"--\r\n", b"--"),
    D + b'\r\nContent-Disposition: form-data\r\n\r\nvalue\r\n' + END,        # a part without a name
    D + b'\r\ncontent-disposition: form-data; name="a"\r\n\r\nv\r\n' + END,  # lower-case header
    D + b'\r\nContent-Disposition: form-data; name="a"\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\n\xe9\r\n'
    + END,
    D + b'\r\nContent-Disposition: form-data; name="a\\"b"\r\n\r\nv\r\n' + END,
    D + b'\r\nContent-Disposition: form-data; name="a"; filename=""\r\nContent-Type: application/octet-stream'
        b"\r\n\r\nnot empty\r\n" + END,
    D + b'\r\nContent-Disposition: form-data; name="a"; filename=""\r\n\r\n\r\n' + END,
    D + b'\r\nContent-Disposition: form-data; name="a"\r\n\r\n\xff\xfe bad utf-8\r\n' + END,
    part("", "v") + END,
    END,
    D + b"\r\n" + END,
    b"",
    b"\x00\xff\xfe" * 300,
])
def test_unusual_bodies_read_the_same(body):
    same(body)


def test_limits_are_werkzeugs():
    body = browser_body()
    same(body, parts=3)   # too many parts: 413 from both
    same(body, mfms=100)  # a body larger than MAX_FORM_MEMORY_SIZE is never read by the shortcut
    assert parse(FastParser, body, f"multipart/form-data; boundary={B}", parts=3) == "RequestEntityTooLarge"


@pytest.mark.parametrize("ctype", [f"multipart/form-data; boundary={B}", f'multipart/form-data; boundary="{B}"',
                                   "multipart/form-data", "multipart/form-data; boundary=", "multipart/form-data; "
                                   "boundary=has space", "multipart/form-data; boundary=" + "x" * 80])
def test_content_type_variants(ctype):
    same(browser_body(), ctype)


def test_every_truncation_reads_the_same():
    body = browser_body()
    for n in range(len(body) + 1):
        same(body[:n])


def test_random_mutations_read_the_same():
    rng = random.Random(20261123)
    bases = [browser_body(), browser_body(PHOTO), part("a", "1") + EMPTY_FILE + END]
    alphabet = b"\r\n-\"; =:aZ0\x00\xff" + D[:6]
    for _ in range(3000):
        body = bytearray(rng.choice(bases))
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(body) + 1)
            op = rng.randrange(3)
            if op == 0 and i < len(body):
                body[i] = rng.choice(alphabet)
            elif op == 1:
                body[i:i] = bytes([rng.choice(alphabet)])
            elif i < len(body):
                del body[i]
        same(bytes(body))


def test_hostile_catalogue_multipart_requests_read_the_same():
    checked = 0
    for case in H.RAW:
        head, _, body = case.request.partition(b"\r\n\r\n")
        m = re.search(rb"\r\nContent-Type: (multipart/[^\r\n]*)", head)
        if m:
            same(body, m.group(1).decode("latin-1"))
            checked += 1
    assert checked >= 4


def test_app_uses_the_fast_parser(tmp_path, data_dir):
    from test_intake import make_app

    assert make_app(tmp_path, data_dir).request_class is multipart.Request
