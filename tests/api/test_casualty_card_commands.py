"""What the responder's casualty card relies on from the API.

A treatment's answer names the treatment, so the phone that put a tourniquet on can take it
off; every other command's answer names what it named before (its event's first `*_id`). The
card offers "Record death" to a medic only: of the roles that use the page, the domain lets
only a medic record a death."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from magen.api.routes.pages import RESPONDER_ROLES
from magen.api.wire import primary_id
from magen.domain import casualties as cas
from magen.domain.base import event_types
from magen.domain.values import Role
from support.apikit import BAKA, Kit, api_kit, cid, ok

RED = {"walks": False, "breathes": True, "respiratory_rate": 36}


@pytest.fixture
def kit() -> Iterator[Kit]:
    with api_kit() as k:
        yield k


def _post(kit: Kit, path: str, **body: Any) -> Any:
    return ok(kit.post(Role.MEDIC, path, {"command_id": cid(), **body}))


def test_a_tourniquet_s_answer_is_the_id_that_takes_it_off(kit: Kit) -> None:
    body = {"tag": "IV-1", "where": BAKA, "protocol": "start", "answers": RED}
    casualty = _post(kit, "/api/v1/casualties", **body)["id"]
    assert casualty.startswith("cas_")
    on = _post(
        kit, f"/api/v1/casualties/{casualty}/interventions", kind="tourniquet", site="left_leg"
    )
    intervention = on["id"]
    assert intervention.startswith("int_"), on
    assert on["events"] == [
        {"position": on["position"], "type": "InterventionRecorded", "id": intervention}
    ]
    off = _post(
        kit, f"/api/v1/casualties/{casualty}/interventions/end", intervention_id=intervention
    )
    # Ending it answers with the casualty, as it always has.
    assert off["id"] == casualty
    assert off["events"][0]["type"] == "InterventionEnded"
    (seen,) = [c for c in ok(kit.get(Role.MEDIC, "/api/v1/casualties")) if c["id"] == casualty]
    assert [(i["kind"], i["ended_at"] is not None) for i in seen["interventions"]] == [
        ("tourniquet", True)
    ]


def test_only_a_recorded_intervention_names_another_id_than_its_first() -> None:
    renamed = {}
    for tag, cls in event_types().items():
        first = next((n for n in cls.model_fields if n.endswith("_id")), None)
        values = {n: f"v-{n}" for n in cls.model_fields if n.endswith("_id")}
        said = primary_id(cls.model_construct(**values))
        if said != (values[first] if first else None):
            renamed[tag] = said
    assert renamed == {"InterventionRecorded": "v-intervention_id"}
    assert cas.InterventionRecorded.primary_id_field == "intervention_id"


def test_of_the_responder_page_s_roles_only_a_medic_records_a_death() -> None:
    # responder.js offers "Record death" to these roles (MAY_RECORD_DEATH): if the domain's
    # rule changes, the page must change with it.
    assert {Role.MEDIC} == RESPONDER_ROLES & cas.DEATH_ROLES
    assert cas.COMMAND_ROLES[cas.RecordDeath] == cas.DEATH_ROLES
