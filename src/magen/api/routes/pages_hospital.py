"""The HTML of the hospital desk page (/hospital).

A hospital account sees the hospital it reports for: its status with a form to report a new
one, and the patients coming to it or in it, kept live by the page's script over the JSON API
(`hospital.js`). An account no hospital is linked to is told so and whom to ask. Admins and
dispatchers may relay a status phoned in by any hospital: they open `/hospital?id=<id>`, or
choose among the registered hospitals. Every other role is refused.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, Router, get

from magen.api.deps import runtime
from magen.api.routes.pages import (
    STATUS_STALE_AFTER_MIN,
    _signed_in,
    _staff_page,
    sign_in_first,
)
from magen.app.people_policy import hospital_of
from magen.domain.casualties import Disposition
from magen.domain.hospitals import (
    BedType,
    ClinicalStatus,
    EmsTraffic,
    FacilityStatus,
    Hospital,
    Hospitals,
    OffloadStatus,
    SecurityStatus,
    Staffing,
)
from magen.domain.values import Role

HOSPITAL_PAGE_ROLES = frozenset({Role.HOSPITAL, Role.ADMIN, Role.DISPATCHER})
RELAY_ROLES = frozenset({Role.ADMIN, Role.DISPATCHER})
# The beds a desk reports most in a mass-casualty event, shown first; the rest fold away.
MAIN_BEDS = (
    BedType.EMERGENCY_DEPARTMENT,
    BedType.OPERATING_ROOMS,
    BedType.ADULT_ICU,
    BedType.PEDIATRIC_ICU,
    BedType.MEDICAL_SURGICAL,
    BedType.PEDIATRICS,
    BedType.BURN,
)
OTHER_BEDS = tuple(b for b in BedType if b not in MAIN_BEDS)

_CHOICES = {
    "ems_traffic": [v.value for v in EmsTraffic],
    "facility": [v.value for v in FacilityStatus],
    "security": [v.value for v in SecurityStatus],
    "staffing": [v.value for v in Staffing],
    "clinical": [v.value for v in ClinicalStatus],
    "offload": [v.value for v in OffloadStatus],
}


def _hospital_view(h: Hospital) -> dict[str, Any]:
    return {
        "id": h.hospital_id,
        "name": h.name,
        "names": h.names.given(),  # the page says the one in its language, else `name`
        "trauma_centre": h.trauma_centre,
        "paediatric": h.paediatric,
    }


@get("/hospital", include_in_schema=False)
async def hospital_page(request: Request[Any, Any, Any]) -> Response[Any]:
    """The hospital desk: status and report form, incoming and admitted patients."""
    actor = await _signed_in(request)
    asked = (request.query_params.get("id") or "").strip()[:64]
    if actor is None:
        return sign_in_first(request)
    rt = runtime(request)
    state = rt.service.state
    registered = state.slice(Hospitals).by_id
    ctx: dict[str, Any] = {
        "hospital": None,
        "unlinked": False,
        "choose": [],
        "relaying": False,
        "unknown": None,
        "choices": _CHOICES,
        "main_beds": [b.value for b in MAIN_BEDS],
        "other_beds": [b.value for b in OTHER_BEDS],
        "wards": [b.value for b in BedType],
        "dispositions": [d.value for d in Disposition],
        "stale_after_min": STATUS_STALE_AFTER_MIN,
    }
    if actor.role is Role.HOSPITAL:
        own = hospital_of(state, actor)
        if own is None:
            ctx["unlinked"] = True
        else:
            ctx["hospital"] = _hospital_view(registered[own])
    elif actor.role in RELAY_ROLES:
        found = registered.get(asked) if asked else None
        if found is not None:
            ctx["hospital"] = _hospital_view(found)
            ctx["relaying"] = True
        else:
            ctx["unknown"] = asked or None
            ctx["choose"] = sorted(
                (_hospital_view(h) for h in registered.values()), key=lambda h: h["name"]
            )
    page = await _staff_page(
        request, HOSPITAL_PAGE_ROLES, "hospital_refused", "hospital.html", **ctx
    )
    if ctx.get("unknown"):
        page.status_code = 404  # the page says which id, and offers the registered ones
    return page


router = Router(path="", route_handlers=[hospital_page], include_in_schema=False)

ROUTERS: list[Router] = [router]
