"""A fast path for the one multipart body every complaint is: a browser's form without files.

The complaint form must be ``multipart/form-data`` (it has a file input), so every submission,
with or without photos, goes through Werkzeug's multipart parser. That parser is general and
streaming: per part it runs a regex search, parses the headers into a ``Headers`` object and
``parse_options_header``; for the 17 parts of a typical complaint it cost about a quarter of
the whole request (measured, ``bench/bench_intake.py``).

``FormDataParser`` here takes a shortcut only for bodies that are small (``FAST_MAX_BYTES``),
complete, and made exactly the way browsers make them: CRLF line breaks, no preamble or
epilogue, each part's headers exactly ``Content-Disposition: form-data; name="<simple name>"``
and, for the empty file input, ``; filename=""`` with ``Content-Type: application/octet-stream``
and no content. It gives the same ``form`` and ``files`` Werkzeug would (``tests/test_intake_units.py``
compares the two on the hostile-input catalogue and on mutated bodies). Anything else, such as a
real file, an odd header, a boundary string inside a value, a bare LF, too many parts or a body
larger than ``MAX_FORM_MEMORY_SIZE``, goes to Werkzeug's parser unchanged, with its limits and
errors (413 for too many parts or too large a field). So the shortcut can never accept what
Werkzeug would refuse, nor read a body differently.
"""

from __future__ import annotations

import io
import re

from flask import Request as FlaskRequest
from werkzeug.datastructures import FileStorage, Headers
from werkzeug.formparser import FormDataParser as WerkzeugFormDataParser

FAST_MAX_BYTES = 64 * 1024
# RFC 2046 boundary characters (without the space, which browsers never use).
_BOUNDARY_RE = re.compile(r"[0-9A-Za-z'()+_,\-./:=?]{1,70}")
_PART_HEAD_RE = re.compile(
    rb'Content-Disposition: form-data; name="([A-Za-z0-9_\-]{1,64})"'
    rb'(; filename=""\r\nContent-Type: application/octet-stream)?')
_EMPTY_FILE_CT = "application/octet-stream"


def parse_simple(body: bytes, boundary: str, max_parts: int | None):
    """``(fields, files)`` as lists of pairs if ``body`` is a plain browser form without files, else ``None``."""
    if not _BOUNDARY_RE.fullmatch(boundary):
        return None
    delim = b"--" + boundary.encode("ascii")
    start, end = delim + b"\r\n", b"\r\n" + delim + b"--\r\n"
    if not (body.startswith(start) and body.endswith(end)) or len(body) < len(start) + len(end):
        return None
    parts = body[len(start):len(body) - len(end)].split(b"\r\n" + delim + b"\r\n")
    # Every occurrence of the delimiter must be one of ours: a value holding it (or a boundary
    # line with trailing blanks, or a bare LF before it) is left to Werkzeug.
    if body.count(delim) != len(parts) + 1:
        return None
    if max_parts is not None and len(parts) > max_parts:
        return None
    fields, files = [], []
    for part in parts:
        head, sep, content = part.partition(b"\r\n\r\n")
        m = _PART_HEAD_RE.fullmatch(head) if sep else None
        if m is None:
            return None
        name = m.group(1).decode("ascii")
        if m.group(2) is None:
            fields.append((name, content.decode("utf-8", "replace")))
        else:
            if content:
                return None  # a real file: Werkzeug streams it to a spooled file
            headers = Headers([("Content-Disposition", f'form-data; name="{name}"; filename=""'),
                               ("Content-Type", _EMPTY_FILE_CT)])
            files.append((name, FileStorage(io.BytesIO(b""), "", name, headers=headers)))
    return fields, files


class FormDataParser(WerkzeugFormDataParser):
    """Werkzeug's parser with the fast path above for small multipart bodies."""

    def _parse_multipart(self, stream, mimetype, content_length, options):
        boundary = options.get("boundary", "")
        limit = FAST_MAX_BYTES if self.max_form_memory_size is None else min(FAST_MAX_BYTES, self.max_form_memory_size)
        if not boundary or content_length is None or not 0 < content_length <= limit:
            return super()._parse_multipart(stream, mimetype, content_length, options)
        body = stream.read()
        simple = parse_simple(body, boundary, self.max_form_parts) if len(body) == content_length else None
        if simple is None:
            _, form, files = super()._parse_multipart(io.BytesIO(body), mimetype, content_length, options)
            return stream, form, files
        fields, files = simple
        return stream, self.cls(fields), self.cls(files)


class Request(FlaskRequest):
    form_data_parser_class = FormDataParser
