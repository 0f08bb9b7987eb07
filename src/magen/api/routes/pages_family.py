"""The family page (/family): report a missing relative and see what became of the report.

Like the resident page it works without JavaScript: plain HTML forms posted here, each with
a command id so that a resend (a reload of the answer, a double tap) is one report, and a
form that cannot be taken comes back with what was typed and the reason beside each field.

A family sees only `family_view`: its own reports and the outcomes the registrar released,
in the registrar's words; never a casualty, a candidate or a score. Reports need an account
(so the registry can reach the family, and only the family sees its reports); when the town
allows it, a person can create a resident account here and is signed in at once.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from litestar import Request, Response, Router, get, post
from litestar.datastructures import Cookie
from litestar.response import Redirect
from pydantic import ValidationError

from magen.api.deps import Runtime, runtime
from magen.api.routes.pages import (
    _NO_STORE,
    FormData,
    _book,
    _cross_site,
    _display_name,
    _html,
    _lang,
    _lang_cookie,
    _refused_page,
    _same_origin,
    _signed_in,
    _status_of,
    new_session,
)
from magen.app.security import InvalidCredentials, create_account, sign_in
from magen.app.service import Outcome as Handled
from magen.domain.base import SYSTEM, Actor, Command
from magen.domain.errors import (
    CommandIdReused,
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    RateLimited,
)
from magen.domain.people import (
    MAX_CLAIMED_AGE,
    MAX_FUTURE_SKEW,
    AgeRange,
    BirthTooLongAgo,
    Build,
    Contact,
    Description,
    PersonName,
    Sex,
    age_from_birth,
    check_partial_date,
)
from magen.domain.persons import (
    AddPersonNote,
    FamilyReport,
    MarkPersonSafe,
    Outcome,
    PersonNoteAdded,
    Persons,
    ReportMissingPerson,
    family_view,
    report_id_for,
)
from magen.domain.values import GeoPoint, Role
from magen.web import forms
from magen.web.i18n import Lang, is_lang, text
from magen.web.render import render
from magen.web.times import local_time, town_zone
from magen.web.words_registry import release_kind, said_of, stock_release

_T = TypeVar("_T")
PATH = "/family"
# Dates as people write them here: 14.05.1990, 14/5/1990, 05/1990, 1990-05-14, 1990.
_DMY = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$")
_MY = re.compile(r"^(\d{1,2})[./-](\d{4})$")
_AGE = re.compile(r"^(\d{1,3})(?:\s*[-–]\s*(\d{1,3}))?$")
_ALTERNATES_SPLIT = re.compile(r"[\n,;،]+")
MIN_PASSWORD = 8
MAX_PASSWORD = 200  # what the sign-in form takes (a longer one is refused, never cut)

# Where a domain value's validation error belongs on the form (pydantic error location).
_FIELD_OF: dict[tuple[str | int, ...], str] = {
    ("name", "full_name"): "full_name",
    ("name", "alternates"): "alternates",
    ("date_of_birth",): "born",
    ("age",): "age",
    ("description", "hair"): "hair",
    ("description", "height_cm"): "height",
    ("description", "clothing"): "clothing",
    ("description", "marks"): "marks",
    ("contact", "name"): "contact_name",
    ("contact", "phone"): "phone",
    ("contact", "relation"): "relation",
    ("last_seen_place",): "place",
    ("last_seen_at",): "seen_at",
    ("text",): "text",
    ("note",): "note",
    ("author_name",): "text",
    ("username",): "username",
    ("password",): "password",
    ("display_name",): "display_name",
}
# The words for a field's error, when the domain's own (English) words are not needed.
_FIELD_WORDS = {
    "full_name": "family_err_name",
    "born": "family_err_born",
    "age": "family_err_age",
    "height": "family_err_height",
    "phone": "family_err_phone",
    "username": "family_err_username",
    "password": "family_err_password",
    "display_name": "family_err_display",
    "text": "family_err_note",
}


# What each field is called on the form, to name it in a refusal ("Full name: at most 200
# characters"), and the most each text field takes: what is longer is refused, never cut.
_LABELS = {
    "full_name": "family_full_name",
    "alternates": "fd_field_alternates",
    "born": "family_born",
    "age": "family_age",
    "hair": "family_hair",
    "height": "family_height",
    "clothing": "family_clothing",
    "marks": "family_marks",
    "contact_name": "family_contact_name",
    "phone": "family_phone",
    "relation": "family_relation",
    "place": "family_place",
    "seen_at": "family_when",
    "text": "family_note_label",
    "note": "fd_field_where_now",
    "username": "username",
    "password": "password",
    "display_name": "family_display_name",
}
_REPORT_LIMITS = {
    "full_name": 200,
    "alternates": 4000,
    "hair": 200,
    "clothing": 2000,
    "marks": 2000,
    "place": 300,
    "contact_name": 200,
    "phone": 40,
    "relation": 100,
}
# Fields read as a value (a date, an age, a height): typed longer than any such value they are
# refused with the field's own advice ("Write an age in years (34) or a range (30-40)").
_VALUE_LIMITS = {
    "born": (20, "family_err_born"),
    "age": (20, "family_err_age"),
    "height": (10, "family_err_height"),
    "seen_at": (40, "family_err_when"),
}


class FieldErrors(Exception):
    """A form that cannot become a command: the words for each field that is wrong."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__(", ".join(errors))
        self.errors = dict(errors)


def _from_validation(
    exc: ValidationError, lang: Lang, where: tuple[str, ...] = ()
) -> dict[str, str]:
    """Each pydantic error under the form field it belongs to, in the reader's words."""
    out: dict[str, str] = {}
    for err in exc.errors():
        loc = (*where, *err["loc"])
        field = next(
            (f for n in range(len(loc), 0, -1) if (f := _FIELD_OF.get(loc[:n])) is not None),
            "_",
        )
        if field in out:
            continue
        key = _FIELD_WORDS.get(field)
        by_rule = err["type"] in _SAID_BY_RULE or "control character" in str(err["msg"])
        if key is not None and not by_rule:
            out[field] = text(key, lang)
        else:
            # The field and the rule it broke, in the family's words (never pydantic's).
            out[field] = forms.field_error(_LABELS.get(field, "fd_field_form"), err).said(lang)
    return out


# Rules said as the field's name and the rule's bound rather than the field's own advice
# ("Full name: at most 200 characters", not "Write the person's name").
_SAID_BY_RULE = frozenset({"string_too_long", "too_long"})


def _too_long(data: Mapping[str, str], limits: Mapping[str, int], lang: Lang) -> dict[str, str]:
    """The text fields typed longer than they take, each named with its limit."""
    out: dict[str, str] = {}
    for name, limit in limits.items():
        if len((data.get(name) or "").strip()) > limit:
            rule = forms.Words("rule_at_most_chars", {"n": limit})
            field = forms.Words(_LABELS.get(name, "fd_field_form"))
            out[name] = text("err_field_rule", lang, field=field.said(lang), rule=rule.said(lang))
    return out


# --- reading the report form -------------------------------------------------------------


def _field(data: Mapping[str, str], name: str) -> str:
    """A field as typed (its length checked by the form's reader: `_too_long`)."""
    return (data.get(name) or "").strip()


def parse_birth(raw: str) -> str:
    """A date of birth as people type it, as YYYY, YYYY-MM or YYYY-MM-DD (ValueError if none)."""
    value = raw.strip()
    if m := _DMY.match(value):
        value = f"{m.group(3)}-{int(m.group(2)):02d}-{int(m.group(1)):02d}"
    elif m := _MY.match(value):
        value = f"{m.group(2)}-{int(m.group(1)):02d}"
    return check_partial_date(value)


def parse_age(raw: str) -> AgeRange:
    """An age in years ("34") or a range ("30-40"); ValueError otherwise."""
    m = _AGE.match(raw.strip())
    if m is None:
        raise ValueError(raw)
    low = int(m.group(1))
    high = int(m.group(2)) if m.group(2) else low
    return AgeRange(min_years=min(low, high), max_years=max(low, high))


def _seen_at(raw: str, now: datetime, errors: dict[str, str], lang: Lang) -> datetime | None:
    """The datetime-local value read on the town's clock; the domain's bounds, said plainly."""
    if not raw.strip():
        return None
    try:
        at = datetime.fromisoformat(raw.strip())
        at = (at.replace(tzinfo=town_zone()) if at.tzinfo is None else at).astimezone(UTC)
    except ValueError:
        errors["seen_at"] = text("family_err_when", lang)
        return None
    except OverflowError:
        # A time at the calendar's very end (year 1 or 9999) has no UTC time: it is no
        # time anyone was seen at.
        late = raw.strip().startswith("9999")
        errors["seen_at"] = text("family_err_when_future" if late else "family_err_when_old", lang)
        return None
    if at - now > MAX_FUTURE_SKEW:
        errors["seen_at"] = text("family_err_when_future", lang)
    elif now - at > MAX_CLAIMED_AGE:
        errors["seen_at"] = text("family_err_when_old", lang)
    return at


def _last_seen_point(rt: Runtime, place: str) -> GeoPoint | None:
    """The point of a place typed as a town address, when the address book is sure of it.

    The place is kept as typed either way; the point only helps the registry's matching.
    """
    book = _book(rt)
    if book is None or not place:
        return None
    found = book.search(place)
    sure = [p for p in found if p.score >= forms.SURE_SCORE]
    if len(sure) == 1 or (sure and sure[0].score > sure[1].score):
        return GeoPoint(lat=sure[0].lat, lon=sure[0].lon)
    return None


def _birth_and_age(
    data: Mapping[str, str], on: date, errors: dict[str, str], lang: Lang
) -> tuple[str | None, AgeRange | None]:
    born: str | None = None
    age: AgeRange | None = None
    if raw := _field(data, "born"):
        try:
            born = parse_birth(raw)
            age_from_birth(born, on)
        except BirthTooLongAgo:
            errors["born"] = text("refused_date_of_birth_too_early", lang)
            born = None
        except ValueError:
            key = "family_err_born_future" if born is not None else "family_err_born"
            errors["born"] = text(key, lang)
            born = None
    if raw := _field(data, "age"):
        try:
            age = parse_age(raw)
        except (ValueError, ValidationError):
            errors["age"] = text("family_err_age", lang)
    if born is not None and age is not None:
        implied = age_from_birth(born, on)
        if implied.max_years < age.min_years or implied.min_years > age.max_years:
            shown = f"{implied.min_years}" + (
                f"-{implied.max_years}" if implied.max_years != implied.min_years else ""
            )
            errors["age"] = text("family_err_age_born", lang, age=shown)
    return born, age


def _part(
    errors: dict[str, str], lang: Lang, where: tuple[str, ...], build: Callable[[], _T]
) -> _T | None:
    """A value of the report built from the form; its errors noted under their fields."""
    try:
        return build()
    except ValidationError as exc:
        for field, words in _from_validation(exc, lang, where).items():
            errors.setdefault(field, words)
        return None


def report_command(
    rt: Runtime, data: Mapping[str, str], account_name: str, lang: Lang
) -> ReportMissingPerson:
    """The missing-person report a form describes (FieldErrors says what to fix).

    Everything is read from the form alone (and the town's address book), so the same form
    sent twice is the same command and the service records it once.
    """
    command_id = forms.command_id(data)
    errors: dict[str, str] = _too_long(data, _REPORT_LIMITS, lang)
    for valued, (limit, key) in _VALUE_LIMITS.items():
        if len(_field(data, valued)) > limit:
            errors[valued] = text(key, lang)
    if errors:
        raise FieldErrors(errors)
    now = rt.service.clock.now()
    seen_at = _seen_at(_field(data, "seen_at"), now, errors, lang)
    on = (seen_at or now).astimezone(town_zone()).date()
    born, age = _birth_and_age(data, on, errors, lang)
    height: int | None = None
    if raw := _field(data, "height"):
        if raw.isdigit():
            height = int(raw)  # the domain keeps it within a person's heights
        else:
            errors["height"] = text("family_err_height", lang)
    sex = _field(data, "sex")
    build = _field(data, "build")
    # A choice the form does not offer is refused, never dropped.
    for chosen, value, choices in (("sex", sex, Sex), ("build", build, Build)):
        if value and value not in {c.value for c in choices}:
            errors[chosen] = forms.FormError(
                "err_field_rule",
                field=forms.Words(f"family_{chosen}"),
                rule=forms.Words("rule_choice"),
            ).said(lang)
    place = _field(data, "place")
    full_name = _field(data, "full_name")
    alts = tuple(
        a.strip() for a in _ALTERNATES_SPLIT.split(_field(data, "alternates")) if a.strip()
    )
    phone, relation = _field(data, "phone"), _field(data, "relation")
    contact_name = _field(data, "contact_name") or account_name
    name = _part(errors, lang, ("name",), lambda: PersonName(full_name=full_name, alternates=alts))
    description = _part(
        errors,
        lang,
        ("description",),
        lambda: Description(
            sex=Sex(sex) if sex and "sex" not in errors else None,
            build=Build(build) if build and "build" not in errors else None,
            height_cm=height,
            hair=_field(data, "hair"),
            clothing=_field(data, "clothing"),
            marks=_field(data, "marks"),
        ),
    )
    contact = None
    if phone or relation:
        contact = _part(
            errors,
            lang,
            ("contact",),
            lambda: Contact(name=contact_name or "-", phone=phone, relation=relation),
        )
    if errors or name is None or description is None:
        raise FieldErrors(errors)
    command = _part(
        errors,
        lang,
        (),
        lambda: ReportMissingPerson(
            command_id=command_id,
            name=name,
            date_of_birth=born,
            age=age,
            description=description,
            last_seen_place=place,
            last_seen_where=_last_seen_point(rt, place),
            last_seen_at=seen_at,
            contact=contact,
        ),
    )
    if errors or command is None:
        raise FieldErrors(errors)
    return command


# --- the page ------------------------------------------------------------------------------


def _when(at: datetime, now: datetime) -> str:
    """A time on the town's clock, with the day when it is not today."""
    local, today = at.astimezone(town_zone()), now.astimezone(town_zone()).date()
    return local_time(at) if local.date() == today else local.strftime("%d.%m %H:%M")


@dataclass(frozen=True, slots=True)
class Shown:
    """One of the family's reports as the page draws it."""

    report_id: str
    name: str
    alternates: tuple[str, ...]
    last_seen: str
    seen_when: str  # when they were last seen, on the town's clock ("" if the family did not say)
    filed: str
    status: str  # searching | found | safe
    tone: str  # searching | found | safe | news (a death, told in person)
    found_safe: bool
    message: str
    outcome_at: str
    told: tuple[str, ...]
    notes: tuple[tuple[str, str], ...]  # (when, text), the family's own notes only
    sx: str  # "_f", "_m" or "": the words said of the person, as the family described them


def _message(mine: FamilyReport, sx: str, lang: Lang) -> str:
    """The registry's words; the desk's own stock sentence in the family's language.

    A registrar who leaves the desk's proposed words sends them in the desk's language, which
    need not be the family's, and in its forms for both sexes: those few sentences are said
    again in the family's own language, of a woman or a man as the family described them. A
    death is shown only once the registry has told the family, so its stock sentence ("a
    registrar will meet you") is past by then: a line that stays true is said instead.
    """
    kind = release_kind(mine.status, mine.outcome)
    if mine.status != "found" or kind is None:
        return mine.message
    key = stock_release(kind, mine.message)
    if key is None:
        return mine.message
    if mine.outcome is Outcome.DECEASED and mine.told_at:
        return text("family_news_told", lang)
    return text(key + sx, lang)


def _tone(mine: FamilyReport) -> str:
    """How the report is drawn: a death is never shown as good news ("found", in green)."""
    if mine.status == "found" and mine.outcome is Outcome.DECEASED:
        return "news"
    return mine.status


def _shown(rt: Runtime, actor: Actor, mine: FamilyReport, now: datetime, lang: Lang) -> Shown:
    # The family's own report: what they wrote themselves. Outcomes come from family_view only.
    own = rt.service.state.slice(Persons).missing[mine.report_id]
    sx = said_of(own.description.sex)
    return Shown(
        report_id=mine.report_id,
        name=mine.name,
        alternates=own.name.alternates,
        last_seen=own.last_seen_place,
        seen_when=_when(own.last_seen_at, now) if own.last_seen_at else "",
        filed=_when(mine.filed_at, now),
        status=mine.status,
        tone=_tone(mine),
        found_safe=mine.status == "found" and mine.outcome is not None and mine.outcome == "safe",
        message=_message(mine, sx, lang),
        outcome_at=_when(mine.outcome_at, now) if mine.outcome_at else "",
        told=tuple(_when(t, now) for t in mine.told_at),
        notes=tuple((_when(n.at, now), n.text) for n in own.notes if n.by == actor.account_id),
        sx=sx,
    )


def _values(form: Mapping[str, str]) -> Any:
    """`value(form_name, field, default)` for the template: what was typed in that form."""

    def value(name: str, field: str, default: str = "") -> str:
        return form.get(field, default) if form.get("form") == name else default

    return value


async def _page(
    request: Request[Any, Any, Any],
    actor: Actor | None,
    *,
    form: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    error: str | None = None,
    done: str | None = None,
    status: int = 200,
    cookies: list[Cookie] | None = None,
) -> Response[bytes]:
    rt = runtime(request)
    lang = _lang(request)
    now = rt.service.clock.now()
    reports: list[Shown] = []
    check_ins: list[str] = []
    if actor is not None and actor.account_id is not None:
        view = family_view(rt.service.state, actor.account_id)
        reports = [_shown(rt, actor, r, now, lang) for r in reversed(view.reports)]
        check_ins = [_when(c.checked_in_at, now) for c in view.check_ins]
    body = render(
        "family.html",
        lang,
        path=request.url.path if request.method == "GET" else PATH,
        signed_in=actor is not None,
        open_registration=rt.settings.open_registration,
        account=_display_name(rt, actor),
        reports=reports,
        check_ins=check_ins,
        as_of=local_time(now),
        # "When" starts at the server's now and may not pass it: a phone's clock may be ahead
        # of the server's (the demo's runs behind the wall), and a time to come is refused.
        now_local=now.astimezone(town_zone()).strftime("%Y-%m-%dT%H:%M"),
        form=form or {},
        errors=errors or {},
        error=error,
        done=done,
        new_id=lambda: str(uuid.uuid4()),
        value=_values(form or {}),
        sexes=[s.value for s in (Sex.FEMALE, Sex.MALE)],
        builds=[b.value for b in Build],
    )
    return _html(request, body, status=status, cookies=[*_lang_cookie(request), *(cookies or [])])


@get(PATH, include_in_schema=False)
async def family_page(request: Request[Any, Any, Any]) -> Response[Any]:
    """A resident's missing-person reports and what became of them; how to start, if signed out."""
    actor = await _signed_in(request)
    if actor is not None and actor.role is not Role.RESIDENT:
        return _refused_page(request, actor, "family_refused")
    return await _page(request, actor, done=_filed_words(request, actor))


def _filed_words(request: Request[Any, Any, Any], actor: Actor | None) -> str | None:
    """ "The report on X is filed", on the page a report's form was sent on to (?filed=<id>).

    Said only of a report of this family's: any other id says nothing, not even a name.
    """
    report_id = (request.query_params.get("filed") or "")[:100]
    if actor is None or not report_id:
        return None
    rt = runtime(request)
    name = _own_report(rt, actor, report_id)
    if name is None:
        return None
    at = rt.service.state.slice(Persons).missing[report_id].reported_at
    return text("family_report_done", _lang(request), t=local_time(at), name=name)


async def _resident_or_answer(
    request: Request[Any, Any, Any],
) -> tuple[Actor | None, Response[Any] | None]:
    """The signed-in resident posting a form, or the answer for anyone else."""
    if not _same_origin(request):
        return None, _cross_site()
    actor = await _signed_in(request)
    if actor is None:
        return None, Redirect(f"/login?next={PATH}", status_code=303, headers=_NO_STORE)
    if actor.role is not Role.RESIDENT:
        return None, _refused_page(request, actor, "family_refused")
    return actor, None


def _refusal(exc: DomainError, lang: Lang) -> str:
    """A refusal in the family's words: never the domain's own (English, and it may say what
    the family is not to be told yet, such as that a report is closed)."""
    if isinstance(exc, NotFound | Forbidden):
        return text("family_err_not_yours", lang)
    if isinstance(exc, RateLimited):
        return text("family_err_busy", lang)
    return text("family_err_refused", lang)


async def _send(
    request: Request[Any, Any, Any],
    actor: Actor,
    data: dict[str, str],
    command: Command,
    done_key: str,
    *,
    noted_key: str | None = None,
    **values: object,
) -> Response[Any]:
    """Send one command; answer the page with what happened (never losing what was typed).

    `noted_key`: the words when the domain kept the command as a note instead, as it keeps
    "they are safe" on a report the registry closed meanwhile (the family's page may be older
    than the registry's decision, or the decision one told only in person, a death): the
    family is answered as for any word passed on, never told that the report is closed.
    """
    outcome, refused = await _handle(request, actor, data, command)
    if outcome is None:
        assert refused is not None
        return refused
    noted = any(isinstance(r.event, PersonNoteAdded) for r in outcome.events)
    key = noted_key if noted_key is not None and noted else done_key
    at = outcome.events[0].recorded_at if outcome.events else runtime(request).service.clock.now()
    done = text(key, _lang(request), t=local_time(at), **values)
    return await _page(request, actor, done=done, status=200 if outcome.replayed else 201)


async def _handle(
    request: Request[Any, Any, Any], actor: Actor, data: dict[str, str], command: Command
) -> tuple[Handled | None, Response[Any] | None]:
    """Send one command: what it did, or the page that says why it was not taken."""
    lang = _lang(request)
    try:
        return await runtime(request).service.handle(actor, command), None
    except DomainError as exc:
        if isinstance(exc, CommandIdReused):
            # The id was used for another form (a page kept from before): offer it again
            # under a fresh id, so one more press sends it.
            fresh = {k: v for k, v in data.items() if k != "command_id"}
            stale = text("form_stale", lang)
            return None, await _page(request, actor, form=fresh, error=stale, status=409)
        refused = _refusal(exc, lang)
        return None, await _page(request, actor, form=data, error=refused, status=_status_of(exc))


@post(f"{PATH}/report", include_in_schema=False)
async def post_report(request: Request[Any, Any, Any], data: FormData) -> Response[Any]:
    """A missing-person report from the family page's form."""
    actor, answer = await _resident_or_answer(request)
    if actor is None:
        assert answer is not None
        return answer
    rt, lang = runtime(request), _lang(request)
    data = {**forms.as_typed(data), "form": "report"}
    try:
        command = report_command(rt, data, _display_name(rt, actor) or "", lang)
    except forms.FormError as exc:
        return await _page(request, actor, form=data, error=text(exc.key, lang), status=422)
    except FieldErrors as exc:
        return await _page(request, actor, form=data, errors=exc.errors, status=422)
    outcome, refused = await _handle(request, actor, data, command)
    if outcome is None:
        assert refused is not None
        return refused
    # Taken (or taken before: a resend): the browser is sent to the page that says so, so
    # that reloading it does not offer to send the form again.
    report_id = report_id_for(command.command_id)
    asked = request.query_params.get("lang")
    keep_lang = f"&lang={asked}" if is_lang(asked) else ""
    where = f"{PATH}?filed={report_id}{keep_lang}#r-{report_id}"
    return Redirect(where, status_code=303, headers=_NO_STORE)


def _own_report(rt: Runtime, actor: Actor, report_id: str) -> str | None:
    """The name on a report of this family's (None for any other report: not even its name)."""
    report = rt.service.state.slice(Persons).missing.get(report_id)
    if report is None or actor.account_id is None or report.family_account != actor.account_id:
        return None
    return report.name.full_name


async def _on_report(
    request: Request[Any, Any, Any], data: dict[str, str], kind: str
) -> Response[Any]:
    actor, answer = await _resident_or_answer(request)
    if actor is None:
        assert answer is not None
        return answer
    rt, lang = runtime(request), _lang(request)
    report_id = _field(data, "report_id")
    data = {**forms.as_typed(data), "form": f"{kind}-{report_id}"}
    name = _own_report(rt, actor, report_id)
    if name is None:
        return await _page(request, actor, error=text("family_err_not_yours", lang), status=404)
    try:
        command_id = forms.command_id(data)
    except forms.FormError as exc:
        return await _page(request, actor, form=data, error=text(exc.key, lang), status=422)
    command: Command
    try:
        if long := _too_long(data, {"note" if kind == "safe" else "text": 2000}, lang):
            raise FieldErrors(long)
        if kind == "safe":
            if data.get("confirm") not in {"1", "on", "yes"}:
                raise FieldErrors({"confirm": text("family_err_confirm", lang)})
            report = rt.service.state.slice(Persons).missing[report_id]
            command = MarkPersonSafe(
                command_id=command_id,
                report_id=report_id,
                note=_field(data, "note"),
                words_if_closed=text("family_safe_as_note" + said_of(report.description.sex), lang),
            )
        else:
            if not _field(data, "text"):
                raise FieldErrors({"text": text("family_err_note", lang)})
            command = AddPersonNote(
                command_id=command_id,
                report_id=report_id,
                author_name=(_display_name(rt, actor) or "family")[:200],
                text=_field(data, "text"),
            )
    except ValidationError as exc:
        return await _page(
            request, actor, form=data, errors=_from_validation(exc, lang), status=422
        )
    except FieldErrors as exc:
        return await _page(request, actor, form=data, errors=exc.errors, status=422)
    # "They are safe" on a report closed meanwhile is kept as the family's note.
    done, noted = (
        ("family_safe_done", "family_safe_noted") if kind == "safe" else ("family_note_done", None)
    )
    return await _send(request, actor, data, command, done, noted_key=noted, name=name)


@post(f"{PATH}/safe", include_in_schema=False)
async def post_safe(request: Request[Any, Any, Any], data: FormData) -> Response[Any]:
    """ "I found them, they are safe": close one of this family's reports."""
    return await _on_report(request, data, "safe")


@post(f"{PATH}/note", include_in_schema=False)
async def post_note(request: Request[Any, Any, Any], data: FormData) -> Response[Any]:
    """New information on one of this family's reports."""
    return await _on_report(request, data, "note")


# --- an account, for a family that has none -------------------------------------------------


def _signup_fields(data: Mapping[str, str], lang: Lang) -> tuple[str, str, str]:
    username = _field(data, "username")
    password = data.get("password") or ""
    display = _field(data, "display_name")
    errors = _too_long(data, {"display_name": 200, "password": MAX_PASSWORD}, lang)
    if not re.fullmatch(r"[a-z0-9._-]{2,64}", username):
        errors["username"] = text("family_err_username", lang)
    if len(password) < MIN_PASSWORD:
        errors["password"] = text("family_err_password", lang)
    if not display and "display_name" not in errors:
        errors["display_name"] = text("family_err_display", lang)
    if errors:
        raise FieldErrors(errors)
    return username, password, display


async def _create_resident(
    rt: Runtime, command_id: uuid.UUID, *, username: str, password: str, display: str, lang: Lang
) -> None:
    """Create the resident account a sign-up form asks for, once however often it is sent."""
    try:
        await create_account(
            rt.service,
            SYSTEM,
            command_id=command_id,
            username=username,
            role=Role.RESIDENT,  # the only role a person may give themselves
            display_name=display,
            password=password,
        )
    except Conflict as exc:
        if isinstance(exc, CommandIdReused):
            raise forms.FormError("form_stale") from None
        raise FieldErrors({"username": text("family_err_taken", lang)}) from None


@post(f"{PATH}/signup", include_in_schema=False)
async def post_signup(request: Request[Any, Any, Any], data: FormData) -> Response[Any]:
    """Create a resident account (when the town allows it) and sign in with it."""
    if not _same_origin(request):
        return _cross_site()
    actor = await _signed_in(request)
    if actor is not None:
        if actor.role is Role.RESIDENT:
            return Redirect(PATH, status_code=303, headers=_NO_STORE)
        return _refused_page(request, actor, "family_refused")
    return await _sign_up(request, data)


async def _sign_up(request: Request[Any, Any, Any], data: dict[str, str]) -> Response[Any]:
    rt, lang = runtime(request), _lang(request)
    # What was typed comes back on a refusal; a password never does.
    form = {k: v for k, v in data.items() if k != "password"} | {"form": "signup"}
    if not rt.settings.open_registration:
        return await _page(request, None, error=text("family_signup_closed", lang), status=403)
    try:
        command_id = forms.command_id(data)
        username, password, display = _signup_fields(data, lang)
        await _create_resident(
            rt, command_id, username=username, password=password, display=display, lang=lang
        )
        signed = await sign_in(rt.service, username, password)
    except forms.FormError as exc:
        # A form without a usable id, or one used before: offered again under a fresh id.
        fresh = {k: v for k, v in form.items() if k != "command_id"}
        return await _page(request, None, form=fresh, error=text(exc.key, lang), status=409)
    except FieldErrors as exc:
        status = 409 if "username" in exc.errors and len(exc.errors) == 1 else 422
        return await _page(request, None, form=form, errors=exc.errors, status=status)
    except InvalidCredentials:
        # The resent form of an account made earlier, with another password.
        return await _page(request, None, form=form, error=text("bad_login", lang), status=401)
    except DomainError as exc:
        refused = _refusal(exc, lang)
        return await _page(request, None, form=form, error=refused, status=_status_of(exc))
    _, _, cookie = new_session(request, rt, signed)
    return Redirect(PATH, status_code=303, cookies=[cookie], headers=_NO_STORE)


router = Router(
    path="",
    route_handlers=[family_page, post_report, post_safe, post_note, post_signup],
    include_in_schema=False,
)

ROUTERS: list[Router] = [router]
