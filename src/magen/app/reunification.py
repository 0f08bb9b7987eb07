"""Propose matches between open missing-person reports and casualties and survivors."""

from __future__ import annotations

from dataclasses import dataclass

import anyio

from magen.app.service import Service
from magen.domain import persons as per
from magen.domain.base import Actor
from magen.domain.errors import Forbidden
from magen.people import matching

# Fitting the model by EM needs a population; early in an incident there are a handful of
# records, and the published default weights are the better judge.
FIT_MIN_RECORDS = 200


@dataclass(frozen=True, slots=True)
class MatchingRun:
    """What one run compared and how many new matches it proposed."""

    candidates: int
    proposed: int


async def propose_matches(service: Service, actor: Actor) -> MatchingRun:
    """Link open reports person by person and propose the likely links (the registrar decides).

    A family's duplicate reports pool their evidence, and a record (one person) goes to the
    reports that explain it best, so a namesake does not take it. Linking runs in a worker
    thread; proposals are ordinary commands, idempotent by pair. A role that may not propose
    a match is refused (`Forbidden`) whether or not there is anything to propose.
    """
    if actor.role not in per.COMMAND_ROLES[per.ProposeMatch]:
        raise Forbidden(f"the {actor.role.value} role may not propose matches")
    data = per.matching_input(service.state)
    if not data.reports or not data.candidates:
        return MatchingRun(candidates=0, proposed=0)
    fit = min(len(data.reports), len(data.candidates)) >= FIT_MIN_RECORDS
    model = None if fit else matching.DEFAULT_MODEL
    linkage = await anyio.to_thread.run_sync(
        lambda: matching.link_people(data.reports, data.candidates, model=model)
    )
    links = [c for person in linkage.links for c in person.candidates]
    proposed = 0
    for command in per.proposals(service.state, links):
        outcome = await service.handle(actor, command)
        proposed += 0 if outcome.replayed else 1
    return MatchingRun(candidates=linkage.comparisons, proposed=proposed)
