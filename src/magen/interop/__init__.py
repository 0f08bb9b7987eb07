"""Standard formats at the edges (EDXL-HAVE, CoT, GeoJSON), and safe parsing of untrusted XML.

Every XML document that comes from outside goes through `parse_untrusted_xml`: no DTD at all
(so no entity expansion, no billion laughs, no external entities), no network, a size limit,
and one plain error naming what is wrong.
"""

from __future__ import annotations

from typing import Any, cast

from lxml import etree
from pydantic import ValidationError

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
MAX_DEPTH = 256  # libxml2's nesting limit without huge_tree
_DOCTYPE = tuple("<!DOCTYPE".encode(enc) for enc in ("utf-8", "utf-16-le", "utf-16-be"))


class XmlError(ValueError):
    """An XML document that is too large, malformed, hostile, or not the expected format."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )


def parse_untrusted_xml(
    data: bytes,
    *,
    what: str,
    error: type[XmlError] = XmlError,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> etree._Element:
    """Parse XML from outside, refusing DTDs, entities, oversize and malformed input."""
    if not isinstance(data, bytes | bytearray):
        raise error(f"the {what} document must be given as bytes, not {type(data).__name__}")
    if len(data) > max_bytes:
        raise error(f"the {what} document is {len(data)} bytes; the limit is {max_bytes}")
    if not data.strip():
        raise error(f"the {what} document is empty")
    try:
        root = etree.fromstring(bytes(data), _parser())
    except etree.XMLSyntaxError as exc:
        # libxml2 stops entity bombs and network DTDs as syntax errors; say what they are.
        if any(marker in data for marker in _DOCTYPE):
            raise error(f"the {what} document declares a DTD, which is not allowed") from None
        line, column = exc.position
        if "Excessive depth" in exc.msg:  # libxml2's words suggest an option the reader lacks
            raise error(
                f"the {what} document nests elements more than {MAX_DEPTH} deep "
                f"(line {line}, column {column}), which no {what} document needs"
            ) from None
        # exc.msg, not str(exc): that adds "(<string>, line N)", which names no file
        raise error(f"the {what} document is not well-formed XML: {exc.msg}") from None
    # lxml-stubs leave out DocInfo.doctype, which lxml has.
    docinfo = cast(Any, root.getroottree().docinfo)
    # A DTD has no place in these formats and is how entity attacks are carried.
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise error(f"the {what} document declares a DTD, which is not allowed")
    if any(isinstance(node, etree._Entity) for node in root.iter()):
        raise error(f"the {what} document uses entity references, which are not allowed")
    return root


def plain_errors(exc: ValidationError) -> str:
    """A pydantic validation error as one line: 'field: what is wrong; ...'."""
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "value"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)
