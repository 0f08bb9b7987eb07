"""Odd requests found by fuzzing the API: each gets a 4xx with a reason, never a 500."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from litestar.exceptions import WebSocketDisconnect

from api.livekit import live_feed
from magen.domain.values import Role
from support.apikit import Kit, api_kit, cid


@pytest.fixture(scope="module")
def kit() -> Iterator[Kit]:
    with api_kit() as k:
        yield k


def _refused(r: object, status: int) -> str:
    assert r.status_code == status, r.text  # type: ignore[attr-defined]
    reason = r.json()["reason"]  # type: ignore[attr-defined]
    assert reason
    return str(reason)


def test_pfif_export_of_an_empty_registry_says_there_is_nothing_yet(kit: Kit) -> None:
    # Was a 500: PFIF needs at least one person or note, and the route let the error out.
    r = kit.get(Role.REGISTRAR, "/api/v1/pfif/export")
    assert "no missing-person reports or survivors" in _refused(r, 404)


def test_edxl_have_export_without_hospitals_says_there_are_none_yet(kit: Kit) -> None:
    # Was a 500: EDXL-HAVE needs at least one hospital, and the route let the error out.
    r = kit.get(Role.DISPATCHER, "/api/v1/hospitals/edxl-have")
    assert "no hospitals" in _refused(r, 404)


@pytest.mark.parametrize("offset", ["99999999999999999999999", "9223372036854775808"])
def test_person_search_with_an_offset_past_any_page_is_refused(kit: Kit, offset: str) -> None:
    # Was a 500: islice() takes no stop past sys.maxsize.
    r = kit.get(Role.REGISTRAR, f"/api/v1/persons/search?offset={offset}")
    assert "offset" in _refused(r, 400)


SIGHTING = b'{"command_id": "%s", "where": {"lat": 31.7615, "lon": 35.216}}'


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", None],
)
def test_a_json_body_not_labelled_json_is_refused_and_appends_nothing(
    kit: Kit, content_type: str | None
) -> None:
    # Was a 201: the body was read as JSON whatever it was labelled, so any web page could
    # make its visitors' browsers file reports (a text/plain POST needs no CORS preflight).
    head = kit.log.head()
    headers = kit.auth(Role.RESPONDER)
    if content_type:
        headers["Content-Type"] = content_type
    r = kit.client.post("/api/v1/sightings", content=SIGHTING % cid().encode(), headers=headers)
    assert "application/json" in _refused(r, 415)
    assert kit.log.head() == head


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "Application/JSON"]
)
def test_a_json_body_labelled_json_is_taken(kit: Kit, content_type: str) -> None:
    r = kit.client.post(
        "/api/v1/sightings",
        content=SIGHTING % cid().encode(),
        headers={**kit.auth(Role.RESPONDER), "Content-Type": content_type},
    )
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("after", ["²", "¹²", "-1", "abc", ""])
def test_live_feed_with_an_after_that_is_no_whole_number_says_so(kit: Kit, after: str) -> None:
    # '²' passed str.isdigit() and then failed int(): the feed closed as an internal error.
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        live_feed(kit.client, after, kit.tokens[Role.DISPATCHER]) as ws,
    ):
        ws.receive_json()
    assert closed.value.code == 4400
    assert "after must be a non-negative integer" in closed.value.detail


@pytest.mark.parametrize("raw", [b"\xff\xfe", b"\xc3", b"\xed\xa0\x80"])
def test_a_json_body_that_is_not_utf8_is_refused_and_appends_nothing(kit: Kit, raw: bytes) -> None:
    # Was a 500: msgspec raised UnicodeDecodeError for the bytes in a string, which Litestar
    # does not turn into a 400 as it does its DecodeError.
    head = kit.log.head()
    body = b'{"command_id": "%s", "where": {"lat": 31.7, "lon": 35.2}, "text": "%s"}' % (
        cid().encode(),
        raw,
    )
    r = kit.client.post(
        "/api/v1/sightings",
        content=body,
        headers={**kit.auth(Role.RESPONDER), "Content-Type": "application/json"},
    )
    assert "not UTF-8" in _refused(r, 400)
    assert kit.log.head() == head


def test_a_body_too_large_says_how_large_a_body_may_be(kit: Kit) -> None:
    # Was "Request Entity Too Large", with no word of the limit.
    head = kit.log.head()
    body = b'{"command_id": "%s", "where": {"lat": 31.7, "lon": 35.2}, "text": "%s"}' % (
        cid().encode(),
        b"y" * 200_000,
    )
    r = kit.client.post(
        "/api/v1/sightings",
        content=body,
        headers={**kit.auth(Role.RESPONDER), "Content-Type": "application/json"},
    )
    assert "larger than 65536 bytes" in _refused(r, 413)
    assert kit.log.head() == head


DEEP = b"<a>" * 300 + b"</a>" * 300


@pytest.mark.parametrize(
    ("path", "role"),
    [("/api/v1/pfif/import", Role.REGISTRAR), ("/api/v1/hospitals/edxl-have", Role.DISPATCHER)],
)
def test_xml_nested_too_deep_is_refused_in_plain_words(kit: Kit, path: str, role: Role) -> None:
    # Was "Excessive depth in document: 256, use XML_PARSE_HUGE option, ... (<string>, line 1)":
    # an option of the parser, which the sender cannot set, and a '<string>' that names no file.
    head = kit.log.head()
    r = kit.client.post(
        path, content=DEEP, headers={**kit.auth(role), "Content-Type": "application/xml"}
    )
    reason = _refused(r, 400)
    assert "nests elements more than 256 deep (line 1, column" in reason
    assert "XML_PARSE_HUGE" not in reason
    assert kit.log.head() == head


def test_malformed_xml_names_line_and_column_without_a_pseudo_file(kit: Kit) -> None:
    r = kit.client.post(
        "/api/v1/pfif/import",
        content=b"<r>\n<x></r>",
        headers={**kit.auth(Role.REGISTRAR), "Content-Type": "application/xml"},
    )
    reason = _refused(r, 400)
    assert "line 2, column" in reason
    assert "<string>" not in reason
