"""What a hospital may do to a casualty, times before it was found, and typed text.

A hospital account triages, treats and transfers its own patients only (arrived or admitted
there), and describes its patients and those on their way to it; anything else is 403
`not_our_patient` and appends nothing. Triage and treatment times before the casualty was
found are refused (422 `time_too_early`), as an evacuation's are. A control character in a
casualty's place, description or notes is refused (400), and a bad identification status is
refused naming the values a client sends.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from magen.domain.values import Role
from support.apikit import BAKA, START, Kit, api_kit, cid, ok

OURS = "h1-shaare-zedek"
OTHER = "h2-hadassah-ein-kerem"
HOUR_AGO = (START - timedelta(hours=1)).isoformat()


@pytest.fixture
def kit() -> Iterator[Kit]:
    with api_kit() as k:
        for hospital_id, account in ((OURS, k.accounts[Role.HOSPITAL]), (OTHER, None)):
            body = {
                "command_id": cid(),
                "hospital_id": hospital_id,
                "name": hospital_id.title(),
                "where": {"lat": 31.77, "lon": 35.18},
                "account_id": account,
            }
            ok(k.post(Role.ADMIN, "/api/v1/hospitals", body))
        yield k


def _post(kit: Kit, role: Role, path: str, **body: Any) -> Any:
    return kit.post(role, f"/api/v1{path}", {"command_id": cid(), **body})


def _record(kit: Kit, tag: str, **extra: Any) -> str:
    sent = _post(kit, Role.MEDIC, "/casualties", tag=tag, where=BAKA, found_at=HOUR_AGO, **extra)
    return str(ok(sent)["id"])


def _hospital_tries(kit: Kit, casualty_id: str) -> dict[str, Any]:
    """Each thing a hospital might do to a casualty, and its answer."""
    base = f"/casualties/{casualty_id}"
    return {
        "triage": _post(kit, Role.HOSPITAL, f"{base}/triage", answers={"walks": True}),
        "describe": _post(kit, Role.HOSPITAL, f"{base}/describe", description={"hair": "grey"}),
        "interventions": _post(
            kit, Role.HOSPITAL, f"{base}/interventions", kind="tourniquet", site="left_arm"
        ),
        "evacuate": _post(kit, Role.HOSPITAL, f"{base}/evacuate", destination=OURS),
    }


def _refused_not_ours(kit: Kit, answers: dict[str, Any], before: int) -> None:
    for what, r in answers.items():
        assert r.status_code == 403, (what, r.text)
        assert r.json()["rule"] == "not_our_patient", what
    assert kit.log.head() == before


def test_a_hospital_does_nothing_to_a_casualty_still_at_the_scene(kit: Kit) -> None:
    at_scene = _record(kit, "T-1")
    before = kit.log.head()
    _refused_not_ours(kit, _hospital_tries(kit, at_scene), before)


def test_a_hospital_does_nothing_to_another_hospital_s_casualty(kit: Kit) -> None:
    to_other = _record(kit, "T-2")
    ok(_post(kit, Role.MEDIC, f"/casualties/{to_other}/evacuate", destination=OTHER))
    before = kit.log.head()
    answers = _hospital_tries(kit, to_other)
    answers["describe"] = _post(
        kit, Role.HOSPITAL, f"/casualties/{to_other}/describe", description={"hair": "grey"}
    )
    _refused_not_ours(kit, answers, before)
    # Arrived at the other hospital: still not ours.
    ok(_post(kit, Role.MEDIC, f"/casualties/{to_other}/arrival", hospital_id=OTHER))
    before = kit.log.head()
    _refused_not_ours(kit, _hospital_tries(kit, to_other), before)


def test_a_hospital_describes_who_is_coming_and_treats_and_transfers_its_own(kit: Kit) -> None:
    c = _record(kit, "T-3")
    base = f"/casualties/{c}"
    ok(_post(kit, Role.MEDIC, f"{base}/evacuate", destination=OURS))
    # On its way: the emergency department may describe it, not yet triage or treat it.
    ok(_post(kit, Role.HOSPITAL, f"{base}/describe", description={"hair": "grey"}))
    early = _post(kit, Role.HOSPITAL, f"{base}/triage", answers={"walks": True})
    assert (early.status_code, early.json()["rule"]) == (403, "not_our_patient")
    ok(_post(kit, Role.HOSPITAL, f"{base}/arrival", hospital_id=OURS))
    ok(_post(kit, Role.HOSPITAL, f"{base}/triage", answers={"walks": True}))
    treated = ok(
        _post(kit, Role.HOSPITAL, f"{base}/interventions", kind="tourniquet", site="left_arm")
    )
    ok(_post(kit, Role.HOSPITAL, f"{base}/interventions/end", intervention_id=treated["id"]))
    # A transfer to another hospital is the sending hospital's call.
    ok(_post(kit, Role.HOSPITAL, f"{base}/evacuate", destination=OTHER))
    # In transit it is still the sending hospital's patient (its notes may come late) ...
    ok(_post(kit, Role.HOSPITAL, f"{base}/interventions", kind="oxygen"))
    # ... until it arrives at the other hospital: then it is not ours.
    ok(_post(kit, Role.MEDIC, f"{base}/arrival", hospital_id=OTHER))
    gone = _post(kit, Role.HOSPITAL, f"{base}/triage", answers={"walks": True})
    assert (gone.status_code, gone.json()["rule"]) == (403, "not_our_patient")


def test_a_hospital_does_not_end_a_treatment_on_another_hospital_s_patient(kit: Kit) -> None:
    c = _record(kit, "T-4")
    base = f"/casualties/{c}"
    treated = ok(_post(kit, Role.MEDIC, f"{base}/interventions", kind="oxygen"))
    ok(_post(kit, Role.MEDIC, f"{base}/arrival", hospital_id=OTHER))
    before = kit.log.head()
    r = _post(kit, Role.HOSPITAL, f"{base}/interventions/end", intervention_id=treated["id"])
    assert (r.status_code, r.json()["rule"]) == (403, "not_our_patient")
    assert kit.log.head() == before


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("interventions", {"kind": "tourniquet", "site": "left_arm"}),
        ("triage", {"answers": {"walks": True}}),
        ("evacuate", {}),
    ],
)
def test_a_time_before_the_casualty_was_found_is_refused(
    kit: Kit, path: str, body: dict[str, Any]
) -> None:
    c = _record(kit, "T-5")
    found = datetime.fromisoformat(HOUR_AGO)
    before = kit.log.head()
    at = (found - timedelta(days=1)).isoformat()
    r = _post(kit, Role.MEDIC, f"/casualties/{c}/{path}", at=at, **body)
    assert (r.status_code, r.json()["rule"]) == (422, "time_too_early"), r.text
    assert "found" in r.json()["reason"]
    assert kit.log.head() == before
    # The moment it was found is not too early.
    ok(_post(kit, Role.MEDIC, f"/casualties/{c}/{path}", at=found.isoformat(), **body))


def test_care_given_before_the_casualty_was_recorded_is_taken_within_12_hours(kit: Kit) -> None:
    """A bystander's tourniquet, entered by the medic who finds the casualty: "on since 07:00"
    (the hospital desk's two-hour warning depends on it). Over 12 h before is a wrong date."""
    c = _record(kit, "T-6")
    found = datetime.fromisoformat(HOUR_AGO)
    tourniquet = {"kind": "tourniquet", "site": "left_leg"}
    on = (found - timedelta(hours=2, minutes=15)).isoformat()
    ok(_post(kit, Role.MEDIC, f"/casualties/{c}/interventions", at=on, **tourniquet))
    far = (found - timedelta(hours=13)).isoformat()
    r = _post(kit, Role.MEDIC, f"/casualties/{c}/interventions", at=far, **tourniquet)
    assert (r.status_code, r.json()["rule"]) == (422, "time_too_early"), r.text
    # Triage is what the one who found them did: not before they were found.
    early = (found - timedelta(minutes=5)).isoformat()
    r = _post(kit, Role.MEDIC, f"/casualties/{c}/triage", at=early, answers={"walks": True})
    assert (r.status_code, r.json()["rule"]) == (422, "time_too_early"), r.text


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/casualties", {"tag": "X-1", "place": "a\u0007b"}),
        ("/casualties", {"tag": "X-2", "description": {"hair": "a\u0007b"}}),
        ("/casualties", {"tag": "X-3", "description": {"marks": "scar \u0000"}}),
        ("/casualties/{c}/describe", {"description": {"clothing": "red \u0001 coat"}}),
        ("/casualties/{c}/interventions", {"kind": "other", "note": "a\u0007b"}),
        ("/casualties/{c}/evacuate", {"vehicle": "MDA \u0007 12"}),
        ("/casualties/{c}/death", {"place": "a\u0007b"}),
        ("/casualties/{c}/death", {"note": "a\u0007b"}),
    ],
)
def test_a_control_character_in_casualty_text_is_refused(
    kit: Kit, path: str, body: dict[str, Any]
) -> None:
    c = _record(kit, "T-6")
    before = kit.log.head()
    r = _post(kit, Role.MEDIC, path.format(c=c), **body)
    assert r.status_code == 400, r.text
    assert "control character" in r.json()["reason"]
    assert kit.log.head() == before


def test_a_bad_identification_status_names_the_values_to_send(kit: Kit) -> None:
    c = _record(kit, "T-7")
    body = {"name": {"full_name": "Dana Levi"}, "identified_by": "Sgt Cohen", "method": "dna"}
    before = kit.log.head()
    for status in ("formal", "unidentified"):
        r = _post(kit, Role.REGISTRAR, f"/casualties/{c}/identify", status=status, **body)
        assert r.status_code == 400, r.text
        reason = r.json()["reason"]
        assert "'provisional' or 'identified'" in reason, reason
        assert "IdentificationStatus" not in reason
    assert kit.log.head() == before
    ok(_post(kit, Role.REGISTRAR, f"/casualties/{c}/identify", status="identified", **body))
