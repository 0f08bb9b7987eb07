"""Who may do and see what. Every authorisation decision in Magen is made here.

Commands: `can_command` (by role) and `can_act_on` (by ownership), checked by the service before
anything is decided. Reading: `can_read` for each recorded event (live feed, audit), and
`Audience` for the projections. Anything not listed here is for operators only: a new event or
command is private until someone decides otherwise.

Some roles read only part of an audience: a hospital account is in the medical audience but
reads a casualty only while the casualty is bound for or at its own hospital. Such a *scope*
(`restrict_reading`) is judged against the state, at the event's own log position, so the live
feed applies the same rule as the REST reads; `released_with` names the earlier events a scope
lets the actor read once a later event brings the thing into it.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from magen.domain import accounts, alerts, dispatch, picture, reports, responders
from magen.domain.base import Actor, Command, Recorded
from magen.domain.errors import Forbidden
from magen.domain.state import State
from magen.domain.values import Role

R = Role
OPERATORS = frozenset({R.ADMIN, R.DISPATCHER})
FIELD = frozenset({R.ADMIN, R.DISPATCHER, R.RESPONDER, R.MEDIC})
MEDICAL = frozenset({R.ADMIN, R.DISPATCHER, R.MEDIC, R.HOSPITAL, R.REGISTRAR})
READ_ALL = frozenset({R.ADMIN, R.ANALYST})
EVERYONE = frozenset(Role)
SIGNED_IN = EVERYONE - {R.ANONYMOUS}


class Audience(StrEnum):
    """Who may read a kind of event (admins and analysts read everything)."""

    PUBLIC = "public"  # safe in an attacker's hands: alerts, guidance, danger areas
    FIELD = "field"  # responders, medics, operators: threats, SOS, responder positions
    OPERATORS = "operators"
    MEDICAL = "medical"
    REGISTRY = "registry"  # missing persons and matches: registrars
    ACCOUNTS = "accounts"  # account administration: admins only


_AUDIENCE_ROLES: dict[Audience, frozenset[Role]] = {
    Audience.PUBLIC: EVERYONE,
    Audience.FIELD: FIELD,
    Audience.OPERATORS: OPERATORS,
    Audience.MEDICAL: MEDICAL,
    Audience.REGISTRY: frozenset({R.REGISTRAR}),
    Audience.ACCOUNTS: frozenset({R.ADMIN}),
}

_EVENT_AUDIENCE: dict[str, Audience] = {
    "AccountCreated": Audience.ACCOUNTS,
    "AccountDeactivated": Audience.ACCOUNTS,
    "ApiKeyIssued": Audience.ACCOUNTS,
    "ApiKeyRevoked": Audience.ACCOUNTS,
    "ThreatSighted": Audience.FIELD,
    "SosRaised": Audience.FIELD,
    "SosUpdated": Audience.FIELD,
    "SosResolved": Audience.FIELD,
    "ResponderCheckedIn": Audience.FIELD,
    "ResponderCheckedOut": Audience.FIELD,
    "ResponderStatusChanged": Audience.FIELD,
    "ResponderMoved": Audience.FIELD,
}

# Events a reporter may always read back: their own reports.
_OWNER_READABLE = frozenset({"ThreatSighted", "SosRaised", "SosUpdated", "SosResolved"})

_COMMAND_ROLES: dict[type[Command], frozenset[Role]] = {
    accounts.CreateAccount: frozenset({R.ADMIN}),
    accounts.DeactivateAccount: frozenset({R.ADMIN}),
    accounts.IssueApiKey: frozenset({R.ADMIN}),
    accounts.RevokeApiKey: frozenset({R.ADMIN}),
    reports.ReportSighting: EVERYONE - {R.ANALYST},
    reports.RaiseSos: EVERYONE - {R.ANALYST},
    reports.UpdateSos: EVERYONE - {R.ANALYST},
    reports.ResolveSos: EVERYONE - {R.ANALYST},
    responders.CheckIn: frozenset({R.RESPONDER, R.MEDIC}),
    responders.CheckOut: frozenset({R.RESPONDER, R.MEDIC}),
    responders.ChangeStatus: frozenset({R.RESPONDER, R.MEDIC}),
    responders.ReportPosition: frozenset({R.RESPONDER, R.MEDIC}),
}

# Alerts, danger areas, shelter status and overrides are what residents must act on: public.
# A danger area is where people must not go, so the public layer stays safe in an attacker's
# hands. Only operators issue them; an upstream CAP bridge signs in with an operator's device key.
_EVENT_AUDIENCE.update(
    dict.fromkeys(
        (
            "AlertIssued",
            "AlertUpdated",
            "AlertEnded",
            "DangerAreaDeclared",
            "DangerAreaUpdated",
            "DangerAreaLifted",
            "ShelterStatusChanged",
            "GuidanceOverrideIssued",
            "GuidanceOverrideCleared",
            "GuidanceChanged",
        ),
        Audience.PUBLIC,
    )
)
_COMMAND_ROLES.update(
    dict.fromkeys(
        (
            alerts.IssueAlert,
            alerts.UpdateAlert,
            alerts.EndAlert,
            alerts.DeclareAllClear,
            alerts.DeclareDangerArea,
            alerts.UpdateDangerArea,
            alerts.LiftDangerArea,
            alerts.ChangeShelterStatus,
            alerts.IssueGuidanceOverride,
            alerts.ClearGuidanceOverride,
        ),
        OPERATORS,
    )
)
# Only the guidance service records guidance, as the system actor (an admin).
_COMMAND_ROLES[alerts.RecordGuidanceChanges] = frozenset({R.ADMIN})


def register_audience(
    event_type: str, audience: Audience, *, owner_readable: bool = False, readers: str = ""
) -> None:
    """Declare who reads a kind of event (for parts of the domain added later).

    `readers` names a field of the event holding the account (or accounts) that may read it
    too, whatever their role: the responder an assignment sends, the responders a call-up calls.
    """
    _EVENT_AUDIENCE[event_type] = audience
    if owner_readable:
        global _OWNER_READABLE  # noqa: PLW0603 - the set is extended once at import time
        _OWNER_READABLE = _OWNER_READABLE | {event_type}
    if readers:
        _NAMED_READERS[event_type] = readers


_NAMED_READERS: dict[str, str] = {}


def _named_reader(actor: Actor, recorded: Recorded) -> bool:
    field = _NAMED_READERS.get(recorded.event.type)
    if field is None or actor.account_id is None:
        return False
    named = getattr(recorded.event, field, None)
    if isinstance(named, str):
        return named == actor.account_id
    return isinstance(named, tuple) and actor.account_id in named


# The threat picture and the operators' acts on it are for the field (decision 4).
_EVENT_AUDIENCE.update(
    dict.fromkeys(
        (
            "TrackConfirmed",
            "TracksMerged",
            "TrackSplit",
            "TrackDismissed",
            "TrackNeutralised",
            "TrackReopened",
        ),
        Audience.FIELD,
    )
)
_COMMAND_ROLES.update(
    dict.fromkeys(
        (
            picture.ConfirmTrack,
            picture.MergeTracks,
            picture.SplitTrack,
            picture.DismissTrack,
            picture.NeutraliseTrack,
            picture.ReopenTrack,
        ),
        OPERATORS,
    )
)
# Dispatch: an assignment is for operators and the responder it sends (who acknowledges,
# arrives and completes it; the decider checks it is theirs); a call-up for operators and the
# responders it called, who answer it.
for _name in (
    "AssignmentMade",
    "AssignmentAcknowledged",
    "ResponderArrived",
    "AssignmentCompleted",
    "AssignmentCancelled",
    "CallUpAcknowledged",
):
    register_audience(_name, Audience.OPERATORS, readers="responder_id")
for _name in ("CallUpIssued", "CallUpClosed"):
    register_audience(_name, Audience.OPERATORS, readers="called")
_COMMAND_ROLES[dispatch.MakeAssignment] = OPERATORS
_COMMAND_ROLES.update(
    dict.fromkeys(
        (
            dispatch.AcknowledgeAssignment,
            dispatch.ReportArrival,
            dispatch.CompleteAssignment,
            dispatch.CancelAssignment,
        ),
        OPERATORS | {R.RESPONDER, R.MEDIC},
    )
)
_COMMAND_ROLES[dispatch.IssueCallUp] = OPERATORS
_COMMAND_ROLES[dispatch.CloseCallUp] = OPERATORS
_COMMAND_ROLES[dispatch.AcknowledgeCallUp] = frozenset({R.RESPONDER, R.MEDIC})


ReadScope = Callable[[Actor, Recorded, State], bool]
Released = Callable[[Actor, Recorded, State], tuple[int, ...]]
_SCOPES: dict[tuple[str, Role], tuple[ReadScope, Released | None]] = {}


def restrict_reading(
    event_type: str, role: Role, scope: ReadScope, *, released: Released | None = None
) -> None:
    """Let a role of the event's audience read it only when `scope` says so.

    `released` gives, for an event the role may read, the positions of earlier events it may
    read from then on and was not sent at their own positions (see `released_with`).
    """
    _SCOPES[(event_type, role)] = (scope, released)


def register_command(command: type[Command], roles: frozenset[Role]) -> None:
    """Declare which roles may send a command (for parts of the domain added later)."""
    _COMMAND_ROLES[command] = roles


def audience_of(event_type: str) -> Audience:
    """The audience of a kind of event; operators only when nobody has said otherwise."""
    return _EVENT_AUDIENCE.get(event_type, Audience.OPERATORS)


def can_command(actor: Actor, command: Command) -> bool:
    """Whether the actor's role may send this kind of command at all."""
    return actor.role in _COMMAND_ROLES.get(type(command), OPERATORS)


def can_act_on(actor: Actor, command: Command, state: State) -> bool:
    """Whether the actor may act on the particular thing the command names."""
    if isinstance(command, reports.UpdateSos | reports.ResolveSos):
        sos = state.slice(reports.Reports).sos.get(command.sos_id)
        if sos is None:
            return True  # the decider answers "not found"
        if actor.role in FIELD:
            return True
        owner = actor.account_id is not None and sos.reporter == actor.account_id
        anonymous_owner = actor.source_key is not None and sos.source_key == actor.source_key
        return owner or anonymous_owner
    return True


def authorise(actor: Actor, command: Command, state: State) -> None:
    """Refuse a command the actor may not send, with the reason."""
    if not can_command(actor, command):
        raise Forbidden(f"the {actor.role.value} role may not {type(command).__name__}")
    if not can_act_on(actor, command, state):
        raise Forbidden("you may change only your own reports")


def can_read(actor: Actor, recorded: Recorded, state: State) -> bool:
    """Whether the actor may see this recorded event (live feed, audit).

    `state` is any state at or after the event's position: a scoped reading
    (`restrict_reading`) is judged against it.
    """
    if actor.role in READ_ALL:
        return True
    if actor.role in _AUDIENCE_ROLES[audience_of(recorded.event.type)]:
        scoped = _SCOPES.get((recorded.event.type, actor.role))
        if scoped is None or scoped[0](actor, recorded, state):
            return True
    if _named_reader(actor, recorded):
        return True
    return (
        recorded.event.type in _OWNER_READABLE
        and actor.account_id is not None
        and recorded.actor.account_id == actor.account_id
    )


def released_with(actor: Actor, recorded: Recorded, state: State) -> tuple[int, ...]:
    """Positions of earlier events the actor may read from this (readable) event on.

    Empty unless a scope brings something to the actor with this event: a casualty sent to a
    hospital brings its record (tag, triage, treatment, description) to that hospital.
    """
    scoped = _SCOPES.get((recorded.event.type, actor.role))
    if scoped is None or scoped[1] is None or actor.role in READ_ALL:
        return ()
    return scoped[1](actor, recorded, state)


# Data fields an event's readers outside a narrower audience do not get. The picture's track
# a danger area is drawn around is for the field (see `app/alerts_policy.py`); which account
# reports for a hospital is the operators' business, not other hospitals' or the registry's.
# And who issued a public message is nobody else's business (an attacker could look for the
# operator): outside the field, "actor" is withheld from public events but one's own.
_KEPT_TO: dict[str, tuple[Audience, frozenset[str]]] = {
    "DangerAreaDeclared": (Audience.FIELD, frozenset({"threat_id"})),
    "DangerAreaUpdated": (Audience.FIELD, frozenset({"threat_id"})),
    "HospitalRegistered": (Audience.OPERATORS, frozenset({"account_id"})),
}


def withheld(actor: Actor, recorded: Recorded) -> frozenset[str]:
    """What of an event the actor may read is still kept from it.

    Names of the event's data fields, and "actor" for the account that recorded it.
    """
    kept = _KEPT_TO.get(recorded.event.type)
    hidden = kept[1] if kept is not None and not sees(actor, kept[0]) else frozenset()
    if sees(actor, Audience.FIELD):
        return hidden
    own = actor.account_id is not None and recorded.actor.account_id == actor.account_id
    if audience_of(recorded.event.type) is Audience.PUBLIC and not own:
        hidden |= {"actor"}
    return hidden


def can_read_audit(actor: Actor) -> bool:
    """Whether the actor may read the whole log (audit, export)."""
    return actor.role in READ_ALL


def sees(actor: Actor, audience: Audience) -> bool:
    """Whether the actor's role is in an audience."""
    return actor.role in READ_ALL or actor.role in _AUDIENCE_ROLES[audience]
