"""Who may identify the dead formally, and by what (from an as-user audit: a medic's
`"method": "documents"` on a dead casualty was taken as formal, which unlocks telling a family
of a death; a borrowed wallet is how a family is wrongly told)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from magen.domain.values import Role
from support.apikit import BAKA, Kit, api_kit, cid, ok


@pytest.fixture
def kit() -> Iterator[Kit]:
    with api_kit() as k:
        yield k


def _post(kit: Kit, role: Role, path: str, **body: Any) -> Any:
    return kit.post(role, f"/api/v1{path}", {"command_id": cid(), **body})


def _casualty(kit: Kit, tag: str, *, dead: bool) -> str:
    c = str(ok(_post(kit, Role.MEDIC, "/casualties", tag=tag, where=BAKA))["id"])
    if dead:
        ok(_post(kit, Role.MEDIC, f"/casualties/{c}/death"))
    return c


def _identify(kit: Kit, role: Role, c: str, status: str, method: str) -> Any:
    who = {"name": {"full_name": "Dana Levi"}, "identified_by": "Sgt Cohen", "method": method}
    return _post(kit, role, f"/casualties/{c}/identify", status=status, **who)


def _identification(kit: Kit, c: str) -> str:
    board = {x["id"]: x for x in ok(kit.get(Role.REGISTRAR, "/api/v1/casualties"))}
    return str(board[c]["identification"])


@pytest.mark.parametrize("method", ["documents", "personal_effects", "visual", "other"])
def test_a_secondary_method_identifies_the_dead_provisionally_only(kit: Kit, method: str) -> None:
    c = _casualty(kit, f"T-{method}", dead=True)
    before = kit.log.head()
    for role in (Role.MEDIC, Role.REGISTRAR):
        r = _identify(kit, role, c, "identified", method)
        assert r.status_code == 422, r.text
        assert r.json()["rule"] in {"secondary_id_of_dead", "visual_id_of_dead"}
        assert "provisional" in r.json()["reason"]
    assert kit.log.head() == before
    ok(_identify(kit, Role.MEDIC, c, "provisional", method))
    assert _identification(kit, c) == "provisional"


def test_only_the_desk_identifies_the_dead_formally(kit: Kit) -> None:
    c = _casualty(kit, "T-DVI", dead=True)
    before = kit.log.head()
    r = _identify(kit, Role.MEDIC, c, "identified", "dna")
    assert r.status_code == 403, r.text
    assert r.json()["rule"] == "formal_id_of_dead_by_registrar"
    assert kit.log.head() == before
    ok(_identify(kit, Role.REGISTRAR, c, "identified", "fingerprints"))
    assert _identification(kit, c) == "identified"
    kin = _casualty(kit, "T-KIN", dead=True)
    ok(_identify(kit, Role.REGISTRAR, kin, "identified", "next_of_kin"))


def test_a_medic_still_names_a_living_patient_from_their_documents(kit: Kit) -> None:
    c = _casualty(kit, "T-ALIVE", dead=False)
    ok(_identify(kit, Role.MEDIC, c, "identified", "documents"))
    assert _identification(kit, c) == "identified"


def test_a_patient_named_from_their_documents_is_provisional_once_dead(kit: Kit) -> None:
    c = _casualty(kit, "T-WALLET", dead=False)
    ok(_identify(kit, Role.MEDIC, c, "identified", "documents"))
    died = ok(_post(kit, Role.MEDIC, f"/casualties/{c}/death"))
    assert [e["type"] for e in died["events"]] == ["DeathRecorded", "CasualtyIdentified"]
    assert _identification(kit, c) == "provisional"  # no family is told on a wallet
    board = {x["id"]: x for x in ok(kit.get(Role.REGISTRAR, "/api/v1/casualties"))}
    assert board[c]["identified_name"]["full_name"] == "Dana Levi"  # the name is kept
    ok(_identify(kit, Role.REGISTRAR, c, "identified", "dental"))
    assert _identification(kit, c) == "identified"
    dna = _casualty(kit, "T-DNA", dead=False)
    ok(_identify(kit, Role.REGISTRAR, dna, "identified", "dna"))
    assert [
        e["type"] for e in ok(_post(kit, Role.MEDIC, f"/casualties/{dna}/death"))["events"]
    ] == ["DeathRecorded"]
    assert _identification(kit, dna) == "identified"
