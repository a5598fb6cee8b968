"""JSON and XML as Open311 GeoReport v2 writes them, and its error format.

The specification (http://wiki.open311.org/GeoReport_v2) gives every answer in both formats,
chosen by the path's extension (``services.json`` / ``services.xml``): a JSON array or object,
or an XML document whose root and item element names are fixed per call (``<services>`` of
``<service>``, ``<service_requests>`` of ``<request>``, ``<errors>`` of ``<error>``...). Both are
UTF-8; Chinese text is written as itself (``ensure_ascii=False``), not as ``\\u`` escapes.
"""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from flask import Response

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"

# For XML: the element that each item of a list field is written as.
LIST_ITEMS = {"attributes": "attribute", "values": "value", "endpoints": "endpoint", "formats": "format",
              "media_urls": "media_url"}


def _text(value) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return "" if value is None else str(value)


def _fill(parent: ET.Element, value) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            child = ET.SubElement(parent, key)
            if isinstance(item, list):
                for entry in item:
                    _fill(ET.SubElement(child, LIST_ITEMS.get(key, "item")), entry)
            else:
                _fill(child, item)
    else:
        parent.text = _text(value)


def to_xml(data, root: str, item: str | None = None) -> bytes:
    """``data`` (a list of dicts under ``root``/``item``, or one dict as ``root``) as an XML document."""
    top = ET.Element(root)
    if isinstance(data, list):
        for entry in data:
            _fill(ET.SubElement(top, item or "item"), entry)
    else:
        _fill(top, data)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(top, encoding="utf-8", xml_declaration=False)


def respond(data, fmt: str, root: str, item: str | None = None, status: int = 200) -> Response:
    """The answer in the format the path asked for (``json`` or ``xml``)."""
    if fmt == "xml":
        resp = Response(to_xml(data, root, item), status=status, content_type=XML_TYPE)
    else:
        resp = Response(json.dumps(data, ensure_ascii=False, separators=(",", ":")), status=status,
                        content_type=JSON_TYPE)
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


def error(code: int, description: str, fmt: str = "json", headers: dict | None = None) -> Response:
    """The specification's error answer: ``[{"code": 400, "description": "..."}]`` or
    ``<errors><error><code>400</code><description>...</description></error></errors>``."""
    resp = respond([{"code": code, "description": description}], fmt, "errors", "error", status=code)
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp
