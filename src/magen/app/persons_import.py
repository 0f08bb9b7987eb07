"""Persons and notes from a PFIF 1.4 document, record by record.

`import_pfif` brings in what `pfif.import_commands` plans: every person becomes a
missing-person report and every note a note on it, whatever its status says (a PFIF
believed_alive is someone's claim, for a registrar to confirm, never a check-in).

Record by record, not all or nothing: a feed's records are written by many authors elsewhere
and the importer cannot correct them, so one bad record must not hold back thousands of good
ones (nor fail every later poll of the feed). Each record the domain refuses is left out, with
the notes of a refused person, and the others are imported. A document that breaks PFIF's
rules, or a caller who may not file what it holds, is refused whole before anything is
appended.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import anyio

from magen.app import people_policy  # noqa: F401  (declares who may file person commands)
from magen.app.auth import Audience, authorise, sees
from magen.app.service import Service
from magen.domain.base import Actor
from magen.domain.errors import Conflict, Forbidden, InvalidCommand, NotFound
from magen.people import pfif


@dataclass(frozen=True, slots=True)
class PersonsImported:
    """What one PFIF import did."""

    imported: int  # records appended by this import
    # every record not imported, as (record id, reason): already imported, expired, not
    # fitting Magen's fields, a note whose person is not known here, or the domain's refusal
    skipped: list[tuple[str, str]]
    positions: list[int]  # the events appended


async def import_pfif(
    service: Service,
    actor: Actor,
    read: Callable[[], Awaitable[bytes]],
    *,
    domain: str = pfif.DEFAULT_DOMAIN,
) -> PersonsImported:
    """Import the PFIF 1.4 document that `read` gives; re-importing adds nothing.

    `domain` is the one this Magen's export names its own records with: a record in it is
    never imported again (an export sent back adds nothing), and a note from elsewhere on
    one of its persons joins that very report (see `pfif.import_commands`).

    The document is read only once the caller may see the persons registry, so a role that
    may not is refused before its upload is taken in. Raises `Forbidden` for such a role, or
    for one that may not file a record the document holds, and `pfif.PfifError` for a
    document that breaks PFIF's rules; in each case nothing is appended.
    """
    if not sees(actor, Audience.REGISTRY):
        raise Forbidden(f"the {actor.role.value} role may not read the persons registry")
    document = await read()
    doc = await anyio.to_thread.run_sync(pfif.parse, document)
    plan = pfif.import_commands(doc, service.state, now=service.clock.now(), domain=domain)
    for step in plan.steps:  # a role that may not file them is refused before anything is in
        authorise(actor, step.command, service.state)
    skipped = list(plan.skipped)
    refused: set[str] = set()
    positions: list[int] = []
    imported = 0
    for step in plan.steps:
        if step.person in refused:
            skipped.append((step.record_id, f"its person {step.person} was refused"))
            continue
        try:
            outcome = await service.handle(actor, step.command)
        except (InvalidCommand, Conflict, NotFound) as exc:
            refused.add(step.record_id)
            skipped.append((step.record_id, f"refused: {exc.reason}"))
            continue
        if outcome.replayed:  # another import of the same record came first
            skipped.append((step.record_id, pfif.ALREADY_IMPORTED))
            continue
        imported += 1
        positions.extend(outcome.positions)
    return PersonsImported(imported, skipped, positions)
