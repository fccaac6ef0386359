"""
GeoReport v2 documents in XML and JSON, as the spec's examples show them.

The application returns plain data (lists of ordered dicts); this module writes it. JSON
follows the spec's JSON examples (null for empty values); XML wraps items in the spec's
root and item elements, writes booleans as ``true``/``false`` and empty values as empty
elements, and lists as repeated singular elements (``attributes``/``attribute``,
``values``/``value``).
"""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

from urbis.kernel import errors

ROOTS = {
    "services": ("services", "service"),
    "service_definition": ("service_definition", None),
    "service_requests": ("service_requests", "request"),
    "errors": ("errors", "error"),
}
_SINGULAR = {"attributes": "attribute", "values": "value"}
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}


class UnsupportedFormat(errors.InvalidValue):
    code = "unsupported_format"
    status = 400


def _text(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def _fill(element: ET.Element, mapping: dict[str, Any]) -> None:
    for key, value in mapping.items():
        child = ET.SubElement(element, key)
        if isinstance(value, list):
            item_tag = _SINGULAR.get(key, "item")
            for item in value:
                _fill(ET.SubElement(child, item_tag), item)
        elif isinstance(value, dict):
            _fill(child, value)
        elif value is not None:
            child.text = _text(value)


def to_xml(document: str, payload: Any) -> bytes:
    """Write a GeoReport document (``services``, ``service_definition``, ...) as UTF-8 XML."""
    root_tag, item_tag = ROOTS[document]
    root = ET.Element(root_tag)
    if item_tag is None:
        _fill(root, payload)
    else:
        for item in payload:
            _fill(ET.SubElement(root, item_tag), item)
    body = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body).encode("utf-8")


def render(document: str, payload: Any, *, fmt: str) -> tuple[bytes, str]:
    """
    Write a document in the requested format; return the bytes and their content type.

    :raises UnsupportedFormat: if the format is neither ``json`` nor ``xml``.
    """
    if fmt == "xml":
        return to_xml(document, payload), CONTENT_TYPES["xml"]
    if fmt == "json":
        return json.dumps(payload, ensure_ascii=False).encode("utf-8"), CONTENT_TYPES["json"]
    raise UnsupportedFormat(f"Format {fmt!r} is not json or xml", details={"format": fmt})


def error_document(exc: errors.DomainError) -> list[dict[str, Any]]:
    """The GeoReport ``errors`` document for a failure: its HTTP status and its message."""
    return [{"code": exc.status, "description": f"{exc.message} ({exc.code})"}]
