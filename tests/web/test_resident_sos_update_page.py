"""The resident's open call for help, updated or cancelled from the page (review 16).

- The page served with an open call starts the SOS form from that call's numbers: an update
  that only adds words must not turn 4 people with 2 injured into 1 with none.
- An update never makes a silent call loud (the /resident page's box left unticked).
- A cancel that names a call no longer open closes nothing (it closed all the phone's calls).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from magen.domain.reports import Reports
from support.apikit import Kit, api_kit
from support.pagekit import form_command_id

BAKA = {"lat": "31.761500", "lon": "35.216000"}


@pytest.fixture
def kit() -> Iterator[Kit]:
    with api_kit(anonymous_per_minute=10_000, anonymous_burst=10_000) as k:
        yield k


def _sos_form(html: str, action: str = "/resident/sos") -> dict[str, str]:
    """The fields of the page's form as a browser would send it (checked boxes only)."""
    start = html.index(f'action="{action}"')
    form = html[start : html.index("</form>", start)]
    fields: dict[str, str] = {}
    for tag in re.findall(r"<input [^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        if name is None:
            continue
        if 'type="checkbox"' in tag and " checked" not in tag:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        fields[name.group(1)] = value.group(1) if value else ""
    return fields


def _calls(kit: Kit) -> list[Any]:
    return list(kit.client.app.state["runtime"].service.state.slice(Reports).sos.values())


def _raise(kit: Kit, page: str = "/resident", **extra: str) -> Any:
    html = kit.client.get(f"{page}?lang=en&lat={BAKA['lat']}&lon={BAKA['lon']}").text
    data = {"form": "sos", "command_id": form_command_id(html, "/resident/sos"), **BAKA, **extra}
    r = kit.client.post("/resident/sos?lang=en", data=data)
    assert r.status_code == 201, r.text
    (call,) = [s for s in _calls(kit) if s.resolved is None]
    return call


@pytest.mark.parametrize("page", ["/resident", "/resident/silent"])
def test_an_update_that_only_adds_words_keeps_the_call_s_numbers(kit: Kit, page: str) -> None:
    raised = _raise(kit, page, people="4", injured="2", children="2", text="at home")
    html = kit.client.get(f"{page}?lang=en").text
    sent = _sos_form(html)
    assert sent["sos_id"] == raised.sos_id
    assert (sent["people"], sent["injured"], sent["children"]) == ("4", "2", "2")
    r = kit.client.post(
        "/resident/sos?lang=en", data={**sent, **BAKA, "text": "we are in the stairwell"}
    )
    assert r.status_code == 200, r.text
    (call,) = _calls(kit)
    assert (call.people, call.injured, call.children) == (4, 2, 2)
    assert call.text == "we are in the stairwell"
    # The page answered after the update starts from the call again, not from 1/0/0.
    again = _sos_form(r.text)
    assert (again["people"], again["injured"], again["children"]) == ("4", "2", "2")


def test_an_update_from_the_resident_page_keeps_a_silent_call_silent(kit: Kit) -> None:
    raised = _raise(kit, "/resident/silent", people="2", silent="1", silent_page="1")
    assert raised.silent
    html = kit.client.get("/resident?lang=en").text
    sent = _sos_form(html)
    assert sent["silent"] == "1"  # the box is ticked as the call is
    # Even with the box unticked (a page from before), the update leaves the call silent.
    del sent["silent"]
    r = kit.client.post("/resident/sos?lang=en", data={**sent, **BAKA, "injured": "1"})
    assert r.status_code == 200, r.text
    (call,) = _calls(kit)
    assert call.silent
    assert call.injured == 1


def test_an_update_can_make_a_loud_call_silent(kit: Kit) -> None:
    _raise(kit, people="1")
    sent = _sos_form(kit.client.get("/resident?lang=en").text)
    assert "silent" not in sent
    r = kit.client.post("/resident/sos?lang=en", data={**sent, **BAKA, "silent": "1"})
    assert r.status_code == 200, r.text
    (call,) = _calls(kit)
    assert call.silent


def _cancel(kit: Kit, **names: str) -> Any:
    data = {"form": "sos_cancel", "command_id": str(uuid.uuid4()), **names}
    return kit.client.post(
        "/resident/sos/cancel?lang=en", data=data, headers={"accept": "application/json"}
    )


def test_a_cancel_naming_a_closed_call_withdraws_no_other(kit: Kit) -> None:
    first = _raise(kit, people="1")
    assert _cancel(kit, sos_id=first.sos_id).json()["closed"] == 1
    second = _raise(kit, people="2", injured="1")
    # A kept copy of the page still names the first call: the second stays open.
    r = _cancel(kit, sos_id=first.sos_id)
    assert r.json()["closed"] == 0
    assert r.json()["message"] == "That SOS is already closed. No other call was cancelled."
    # Likewise a call named by a command this server never saw.
    assert _cancel(kit, sos_of=str(uuid.uuid4())).json()["closed"] == 0
    assert [s.sos_id for s in _calls(kit) if s.resolved is None] == [second.sos_id]
    # A form that names no call closes all this phone's open ones, as before.
    assert _cancel(kit).json()["closed"] == 1
    assert [s for s in _calls(kit) if s.resolved is None] == []
