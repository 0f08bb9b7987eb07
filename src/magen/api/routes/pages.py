"""The HTML pages: resident page (works without JavaScript), staff sign-in, console, responder.

The resident page's forms post here as plain HTML forms; the page's script posts the same
forms with `Accept: application/json` and gets JSON back, so one code path serves both, and
a form's command id makes any resend one report. Staff pages are HTML shells whose scripts
use the JSON API with the bearer token kept in sessionStorage; the token is also set as an
HttpOnly cookie so that the server can refuse a page to a role that may not use it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

import numpy as np
from litestar import MediaType, Request, Response, Router, get, post
from litestar.datastructures import Cookie
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery
from litestar.response import Redirect

from magen.api.deps import Runtime, runtime
from magen.api.routes._common import client_has, etag_of, gzipped_if_taken
from magen.api.routes.accounts import sign_in_within_limits
from magen.api.wire import primary_id
from magen.app import auth
from magen.app.guidance import ground_threat_in_town
from magen.app.region import SIGHTING_REACH_M, refuse_beyond
from magen.app.security import (
    InvalidCredentials,
    TooManySignIns,
    actor_for_token,
    anonymous_source_key,
    recognised,
)
from magen.app.service import Outcome
from magen.domain.accounts import Accounts
from magen.domain.alerts import CATEGORY_TITLES, Alerts, OfficialAlert
from magen.domain.base import Actor, Command
from magen.domain.dispatch import distance_m
from magen.domain.errors import CommandIdReused, DomainError, RateLimited
from magen.domain.hospitals import DEFAULT_POLICY
from magen.domain.people import PersonName
from magen.domain.persons import CheckInSurvivor, Persons
from magen.domain.reports import (
    MAX_AGE,
    MAX_FUTURE_SKEW,
    RaiseSos,
    Reports,
    ReportSighting,
    ResolveSos,
    Sos,
    SosOutcome,
    UpdateSos,
)
from magen.domain.values import Role
from magen.web import STATIC_DIR, forms
from magen.web.addresses import AddressBook, Place, address_book
from magen.web.i18n import Lang, choose, is_lang, text
from magen.web.render import asset_version, render
from magen.web.times import local_time

TOKEN_COOKIE = "magen_token"  # noqa: S105 - the cookie's name, not a secret
DEVICE_COOKIE = "magen_device"
LANG_COOKIE = "magen_lang"
YEAR_S = 365 * 24 * 3600
CONSOLE_ROLES = frozenset({Role.ADMIN, Role.DISPATCHER, Role.ANALYST, Role.REGISTRAR})
RESPONDER_ROLES = frozenset({Role.RESPONDER, Role.MEDIC})
# Pages carry a fresh command id each time: a cached copy would make two reports one.
_NO_STORE = {"Cache-Control": "no-store"}
_FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
FormData = Annotated[dict[str, str], _FORM]


# --- who is asking, in which language -------------------------------------------------------


def _lang(request: Request[Any, Any, Any]) -> Lang:
    return choose(
        request.query_params.get("lang"),
        request.cookies.get(LANG_COOKIE),
        request.headers.get("accept-language"),
    )


def _lang_cookie(request: Request[Any, Any, Any]) -> list[Cookie]:
    asked = request.query_params.get("lang")
    if is_lang(asked) and asked != request.cookies.get(LANG_COOKIE):
        return [Cookie(key=LANG_COOKIE, value=asked, max_age=YEAR_S, samesite="lax")]
    return []


def sign_in_first(request: Request[Any, Any, Any]) -> Response[Any]:
    """To the sign-in page, then back to this page as asked: its query (the language, the
    record it opened) kept, and the sign-in page in the language asked for."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    asked = request.query_params.get("lang")
    lang = f"&lang={asked}" if is_lang(asked) else ""
    return Redirect(f"/login?next={quote(target)}{lang}", status_code=303, headers=_NO_STORE)


async def _signed_in(request: Request[Any, Any, Any]) -> Actor | None:
    """The account behind the session cookie, if any and still valid.

    An account made through another worker a moment ago is looked for again after catching
    up with the log, so a page opened right after signing in does not ask to sign in again.
    """
    token = request.cookies.get(TOKEN_COOKIE)
    if not token:
        return None
    rt = runtime(request)

    async def identify() -> Actor:
        return actor_for_token(rt.service.state, rt.tokens, token, rt.service.clock.now())

    try:
        return await recognised(rt.service, identify)
    except InvalidCredentials:
        return None


def _device(request: Request[Any, Any, Any]) -> tuple[str, list[Cookie]]:
    """This browser's pseudonymous device id (a cookie), so its own reports stay its own."""
    device = request.cookies.get(DEVICE_COOKIE, "")
    if len(device) == 32 and all(c in "0123456789abcdef" for c in device):
        return device, []
    fresh = uuid.uuid4().hex
    cookie = Cookie(key=DEVICE_COOKIE, value=fresh, max_age=YEAR_S, httponly=True, samesite="lax")
    return fresh, [cookie]


async def _resident(request: Request[Any, Any, Any], device: str) -> Actor:
    signed = await _signed_in(request)
    if signed is not None:
        return signed
    rt = runtime(request)
    client = request.client.host if request.client else "unknown"
    key = anonymous_source_key(rt.settings.secret, client, device)
    return Actor(account_id=None, role=Role.ANONYMOUS, source_key=key)


def _same_origin(request: Request[Any, Any, Any]) -> bool:
    """Whether a form post comes from our own pages (a cross-site form is refused)."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin or origin == "null":
        return origin is None  # no header: an old browser or a tool, not a cross-site page
    return urlsplit(origin).netloc == request.headers.get("host", "")


def _wants_json(request: Request[Any, Any, Any]) -> bool:
    return "application/json" in request.headers.get("accept", "")


def _display_name(rt: Runtime, actor: Actor | None) -> str | None:
    if actor is None or actor.account_id is None:
        return None
    account = rt.service.state.slice(Accounts).by_id.get(actor.account_id)
    return account.display_name if account else None


def _html(
    request: Request[Any, Any, Any],
    body: str,
    *,
    status: int = 200,
    cookies: list[Cookie] | None = None,
) -> Response[bytes]:
    """A page, gzipped for a browser that takes it (a page carries its words: 10-35 kB)."""
    headers = dict(_NO_STORE)
    raw = gzipped_if_taken(request, body.encode(), 6, headers)
    return Response(
        raw, media_type=MediaType.HTML, status_code=status, cookies=cookies, headers=headers
    )


# --- the resident page ----------------------------------------------------------------------


def _book(rt: Runtime) -> AddressBook | None:
    return address_book(rt.town) if rt.town is not None else None


def _own_open_sos(rt: Runtime, actor: Actor) -> list[Sos]:
    items = rt.service.state.slice(Reports).sos.values()
    return [
        s
        for s in items
        if s.resolved is None
        and (
            (actor.account_id is not None and s.reporter == actor.account_id)
            or (actor.account_id is None and s.source_key == actor.source_key)
        )
    ]


def _guidance(rt: Runtime, where: forms.Location | None, lang: Lang) -> dict[str, Any] | None:
    if where is None or rt.guidance is None or rt.town is None:
        return None
    west, south, east, north = rt.town.bounds
    if not (west <= where.lon <= east and south <= where.lat <= north):
        return None
    from magen.app.guidance import guidance_view

    return guidance_view(rt.guidance, where.lon, where.lat, lang)


# Zones named one by one up to this many; beyond, "and N more".
_ZONES_NAMED = 3


def _zones_said(rt: Runtime, alert: OfficialAlert, lang: Lang) -> str:
    """The zones an alert holds, in the page's language: the whole town said once."""
    town = rt.town
    zones = alert.active_zones
    if town is None:
        return str(len(zones))
    ids = town.zones.id.tolist()
    if set(ids) <= set(zones):
        return text("zones_all", lang, town=town.names[lang], n=len(ids))
    names = dict(zip(ids, (n[lang] for n in town.zones.names()), strict=True))
    said = [names.get(z, z) for z in zones[:_ZONES_NAMED]]
    if len(zones) > _ZONES_NAMED:
        return text("fd_zones_more", lang, names=", ".join(said), n=len(zones) - _ZONES_NAMED)
    return ", ".join(said)


# An alert in force in the town as the resident page marks it ("<alert id>@<zones it holds>"):
# the page's script marks GET /api/v1/alerts' answer by this same template (data-town-mark)
# to know the alerts changed and the page's words must be asked for again.
TOWN_ALERT_MARK = "{id}@{zones}"


def town_alerts(rt: Runtime, lang: Lang) -> list[dict[str, Any]]:
    """The official alerts in force anywhere in the town now, as the resident page says them
    before it knows where one is: about the town (which zones, since when), never "here"."""
    now = rt.service.clock.now()
    alerts = rt.service.state.slice(Alerts).active_alerts(now)
    return [
        {
            "id": a.alert_id,
            "line": text(
                "fd_town_alert_line",
                lang,
                title=CATEGORY_TITLES[a.category].in_(lang) or CATEGORY_TITLES[a.category].en,
                zones=_zones_said(rt, a, lang),
                t=local_time(a.issued_at),
            ),
            "drill": a.drill,
            # What the page's script compares with GET /api/v1/alerts to know it changed.
            "mark": TOWN_ALERT_MARK.format(id=a.alert_id, zones=len(a.active_zones)),
        }
        for a in sorted(alerts, key=lambda a: a.issued_at)
        if a.active_zones
    ]


def _alert_lines(guidance: Mapping[str, Any] | None, lang: Lang) -> list[tuple[str, str]]:
    """When each alert in force began (and ends, where the guidance gives it), on the town's
    clock, as the page's script says them: (words, data attribute)."""
    alerts = (guidance or {}).get("alerts") or []
    lines: list[tuple[str, str]] = []
    for a in alerts:
        if a.get("since"):
            at = local_time(datetime.fromisoformat(a["since"]))
            words = (
                text("fd_alert_since_titled", lang, title=a["title"], t=at)
                if len(alerts) > 1
                else text("fd_alert_since", lang, t=at)
            )
            lines.append((words, "data-alert-since"))
        if a.get("until"):
            at = local_time(datetime.fromisoformat(a["until"]))
            lines.append((text("fd_alert_until", lang, t=at), "data-alert-until"))
    return lines


async def _resident_page(
    request: Request[Any, Any, Any],
    *,
    template: str = "resident.html",
    form: Mapping[str, str] | None = None,
    error: forms.FormError | None = None,
    error_text: str | None = None,
    done: str | None = None,
    warning: str | None = None,
    status: int = 200,
    cookies: list[Cookie] | None = None,
) -> Response[bytes]:
    rt = runtime(request)
    lang = _lang(request)
    device, device_cookies = _device(request)
    actor = await _resident(request, device)
    values: Mapping[str, str] = form if form is not None else request.query_params
    where: forms.Location | None = None
    suggestions: tuple[Place, ...] = ()
    lookup_error: str | None = None
    if any(values.get(k) for k in ("lat", "pick", "address")):
        try:
            where = forms.location(values, _book(rt)).in_(rt.town, lang)
        except forms.FormError as exc:
            suggestions = exc.suggestions
            if form is None:
                lookup_error = exc.said(lang)
    message = error_text
    if error is not None:
        message = error.said(lang)
        suggestions = suggestions or error.suggestions
    # The open calls with their numbers: the form that updates the latest starts from them (an
    # update writes every number that differs, so a form at 1/0/0 would erase the casualties).
    open_sos = [
        {
            "id": s.sos_id,
            "at": local_time(s.raised_at),
            "silent": s.silent,
            "people": s.people,
            "injured": s.injured,
            "children": s.children,
        }
        for s in sorted(_own_open_sos(rt, actor), key=lambda s: s.raised_at)
    ]
    guidance = _guidance(rt, where, lang)
    now = rt.service.clock.now()
    in_town = town_alerts(rt, lang) if guidance is None else []
    # Attackers in the town and no place known: what holds for everyone in it is said first.
    threat_in_town = guidance is None and ground_threat_in_town(rt.guidance)
    body = render(
        template,
        lang,
        path=request.url.path,
        script_keys=_RESIDENT_SCRIPT_KEYS,
        where=where,
        guidance=guidance,
        alert_lines=_alert_lines(guidance, lang),
        town_alerts=in_town,
        ground_threat=threat_in_town,
        shown=lambda label: forms.shown_label(rt.town, label, lang),
        max_typed=forms.MAX_TYPED,
        max_accuracy=int(forms.MAX_ACCURACY_M),
        town_alert_mark=TOWN_ALERT_MARK,
        town_name=rt.town.names[lang] if rt.town is not None else "",
        safe_note=_safe_note(rt, actor),
        open_registration=rt.settings.open_registration,
        warning=warning,
        guidance_time=local_time(now),
        page_at=now.isoformat(),
        have_guidance=rt.guidance is not None,
        suggestions=suggestions,
        lookup_error=lookup_error,
        error=message,
        done=done,
        open_sos=open_sos,
        form=values,
        new_id=lambda: str(uuid.uuid4()),
        account=_display_name(rt, actor),
        directions=list(forms.DIRECTIONS),
        near=near_address(rt, where.lat, where.lon, lang) if where is not None else None,
    )
    return _html(
        request,
        body,
        status=status,
        cookies=[*_lang_cookie(request), *device_cookies, *(cookies or [])],
    )


_RESIDENT_SCRIPT_KEYS = [
    "offline",
    "queued",
    "sent_queued",
    "saved_offline",
    "error",
    "gps_wait",
    "gps_failed",
    "location_gps",
    "location_map",
    "location_needed",
    "tap_map",
    "did_you_mean",
    "no_address",
    "issued_by",
    "as_of",
    "guidance_stale",
    "now_unavailable",
]


@get(["/", "/resident"], include_in_schema=False)
async def resident_page(request: Request[Any, Any, Any]) -> Response[bytes]:
    """The resident page: the safe action here, SOS, sighting report, "I am safe"."""
    return await _resident_page(request)


@get("/resident/silent", include_in_schema=False)
async def silent_page(request: Request[Any, Any, Any]) -> Response[bytes]:
    """The silent SOS: a dark screen, three numbers and one button."""
    return await _resident_page(request, template="silent.html")


# The service worker's source names the assets' digest with this, written in when served.
SW_VERSION_MARK = "__MAGEN_ASSET_VERSION__"
_sw_kept: dict[str, bytes] = {}


def service_worker_script() -> bytes:
    """The resident pages' service worker as served: its source with the assets' digest in.

    Any changed asset (the worker's own source among them) is a changed worker, which the
    browser installs under a new cache, deleting the older ones.
    """
    version = asset_version()
    body = _sw_kept.get(version)
    if body is None:
        source = (STATIC_DIR / "sw.js").read_text(encoding="utf-8")
        body = source.replace(SW_VERSION_MARK, version).encode()
        _sw_kept.clear()
        _sw_kept[version] = body
    return body


@get("/sw.js", include_in_schema=False)
async def service_worker(request: Request[Any, Any, Any]) -> Response[bytes]:
    """The resident pages' service worker, at the root so that its scope is the whole site.

    `no-cache`: the browser asks again (an unchanged worker is a 304) each time it checks for
    a new one, so a new version reaches phones at their next visit.
    """
    body = service_worker_script()
    tag = etag_of(body)
    headers = {
        "ETag": tag,
        "Cache-Control": "no-cache",
        "Service-Worker-Allowed": "/",
        "X-Content-Type-Options": "nosniff",
    }
    media = "text/javascript"  # litestar adds the charset
    if client_has(request, tag):
        return Response(b"", status_code=304, headers=headers, media_type=media)
    return Response(body, headers=headers, media_type=media)


async def _submit(
    request: Request[Any, Any, Any], actor: Actor, commands: list[Command]
) -> list[Outcome]:
    service = runtime(request).service
    return [await service.handle(actor, c) for c in commands]


async def _refused(
    request: Request[Any, Any, Any],
    data: dict[str, str],
    template: str,
    *,
    key: forms.FormError | None = None,
    reason: str | None = None,
    status: int = 422,
) -> Response[Any]:
    lang = _lang(request)
    message = key.said(lang) if key else (reason or "")
    if _wants_json(request):
        town = runtime(request).town
        suggestions = [
            {
                "label": p.label,
                "shown": forms.shown_label(town, p.label, lang),
                "lat": p.lat,
                "lon": p.lon,
                "kind": p.kind,
            }
            for p in (key.suggestions if key else ())
        ]
        body = {"ok": False, "reason": message, "suggestions": suggestions}
        return Response(body, status_code=status, headers=_NO_STORE)
    return await _resident_page(
        request,
        template=template,
        form=data,
        error=key,
        error_text=None if key else message,
        status=status,
    )


def refusal_said(exc: DomainError, lang: Lang) -> str:
    """A refusal of the service in the page's language, never in the domain's English: a
    rule the pages have words for, too many reports from this device, or a plain "not sent"
    (with the emergency numbers: a call for help must find another way)."""
    numbers = text("emergency_numbers", lang)
    if isinstance(exc, RateLimited):
        return text("fd_rate_limited", lang, numbers=numbers)
    if exc.rule:
        try:
            return text(f"refused_{exc.rule}", lang)
        except KeyError:
            pass
    return text("fd_refused", lang, numbers=numbers)


def _status_of(exc: DomainError) -> int:
    from magen.api.errors import status_of

    return status_of(exc)


async def _report(
    request: Request[Any, Any, Any],
    data: dict[str, str],
    build: str,
    template: str,
) -> Response[Any]:
    if not _same_origin(request):
        return _cross_site()
    rt = runtime(request)
    lang = _lang(request)
    device, cookies = _device(request)
    actor = await _resident(request, device)
    try:
        where = forms.location(data, _book(rt), call_for_help=build == "sos")
        report: RaiseSos | ReportSighting = (
            forms.sos(data, where) if build == "sos" else forms.sighting(data, where)
        )
    except forms.FormError as exc:
        return await _refused(request, data, template, key=exc)
    pressed = _pressed_at(rt, data)
    if pressed is not None:
        report = report.model_copy(update={"observed_at": pressed})
    command: Command = report
    try:
        if isinstance(report, ReportSighting):  # as the API: a phone's (0, 0) is no sighting
            refuse_beyond(rt.town, report.where, "the sighting", SIGHTING_REACH_M)
        (outcome,) = await _submit(request, actor, [command])
    except CommandIdReused:
        # The id was used for another report (a page kept from before): this is a new one.
        # Show it again under a fresh id so one more press sends it.
        fresh = {k: v for k, v in data.items() if k != "command_id"}
        return await _refused(
            request, fresh, template, key=forms.FormError("form_stale"), status=409
        )
    except DomainError as exc:
        reason = refusal_said(exc, lang)
        return await _refused(request, data, template, reason=reason, status=_status_of(exc))
    at = local_time(outcome.events[0].recorded_at) if outcome.events else ""
    # The next report from here is most likely about the same place.
    keep = {"lat": f"{where.lat:.6f}", "lon": f"{where.lon:.6f}", "place": where.label}
    # A call for help from outside the town is recorded all the same, but never answered as if
    # this town's forces knew where the caller is: they are told to call the police.
    town = rt.town if build == "sos" else None
    outside = town is not None and town.zone_of(where.lon, where.lat) is None
    outside_of = town.names[lang] if town is not None and outside else None
    if outside_of is not None:
        done = text(
            "fd_sos_outside_town",
            lang,
            t=at,
            town=outside_of,
            numbers=text("emergency_numbers", lang),
        )
    elif build == "sos":
        silent = data.get("silent") in {"1", "on", "true", "yes"}
        done = text("sos_done_silent" if silent else "sos_done", lang, t=at)
    else:
        done = text("sighting_done", lang, t=at)
    if _wants_json(request):
        body: dict[str, Any] = {
            "ok": True,
            "id": primary_id(outcome.events[0].event) if outcome.events else None,
            "replayed": outcome.replayed,
            "position": max(outcome.positions) if outcome.positions else None,
            "message": done,
        }
        if outside_of is not None:
            body["outside_town"] = outside_of
        return Response(
            body, status_code=200 if outcome.replayed else 201, headers=_NO_STORE, cookies=cookies
        )
    # Post/redirect/get would lose the message on a failing network; answer the page itself.
    return await _resident_page(
        request,
        template=template,
        form=keep,
        done=None if outside_of is not None else done,
        warning=done if outside_of is not None else None,
        status=201 if not outcome.replayed else 200,
    )


def _pressed_at(rt: Runtime, data: Mapping[str, str]) -> datetime | None:
    """When the report was pressed, as the page says it (`observed_at`: the phone's clock
    corrected by the server's, set once when pressed, so that a resent form is the same
    request): a report kept on the phone while offline is timed when it was made, not when
    it arrived. A time the domain would refuse (ahead of the server's clock by more than the
    skew it allows, or older than it keeps) is dropped: a call for help is never refused for
    its clock."""
    raw = (data.get("observed_at") or "").strip()
    if not raw:
        return None
    try:
        at = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    if at.tzinfo is None:
        return None
    now = rt.service.clock.now()
    if at - now > MAX_FUTURE_SKEW or now - at > MAX_AGE - timedelta(minutes=5):
        return None
    return at


def _sos_to_update(rt: Runtime, actor: Actor, data: Mapping[str, str]) -> Sos | None:
    """This phone's open SOS the form names: by its id (`sos_id`, the page knew it), or by the
    command id that raised it (`sos_of`: the page kept the call on the phone, offline, and
    never learned its id). None when it names none or the call is closed: a new call then."""
    mine = _own_open_sos(rt, actor)
    wanted = data.get("sos_id", "")
    for s in mine:
        if wanted and s.sos_id == wanted:
            return s
    try:
        raised_by = uuid.UUID(data.get("sos_of", ""))
    except ValueError:
        return None
    for s in mine:
        first = next(rt.service.read_positions((s.history[0],)), None) if s.history else None
        if first is not None and first.command_id == raised_by:
            return s
    return None


# A new position within this many metres of the old one is the same place (GPS jitter).
_SAME_PLACE_M = 15.0


def _sos_changes(sos: Sos, sent: RaiseSos, data: Mapping[str, str]) -> dict[str, Any]:
    """What the form changes in an open SOS: its numbers, silence, place and words. An update
    only ever makes a call silent, never loud: someone hiding is not exposed by a form whose
    box was left unticked (the /resident page's, sending again a call raised on the silent
    page)."""
    changes: dict[str, Any] = {}
    for name in ("people", "injured", "children"):
        if getattr(sent, name) != getattr(sos, name):
            changes[name] = getattr(sent, name)
    if sent.silent and not sos.silent:
        changes["silent"] = True
    if distance_m(sent.where.lon, sent.where.lat, sos.where.lon, sos.where.lat) > _SAME_PLACE_M:
        changes["where"] = sent.where
    # Words typed now replace those sent before; an empty box leaves them as they were.
    if forms.sos_details(data) and sent.text != sos.text:
        changes["text"] = sent.text
    return changes


async def _update_sos(
    request: Request[Any, Any, Any], data: dict[str, str], template: str, target: Sos
) -> Response[Any]:
    """The SOS form sent again while this phone's call is open: the call is changed (its
    numbers, place, words), never raised a second time."""
    rt = runtime(request)
    lang = _lang(request)
    device, cookies = _device(request)
    actor = await _resident(request, device)
    try:
        where = forms.location(data, _book(rt), call_for_help=True)
        sent = forms.sos(data, where)
    except forms.FormError as exc:
        return await _refused(request, data, template, key=exc)
    changes = _sos_changes(target, sent, data)
    replayed = True
    if changes:
        command = UpdateSos(command_id=sent.command_id, sos_id=target.sos_id, **changes)
        try:
            (outcome,) = await _submit(request, actor, [command])
        except CommandIdReused:
            fresh = {k: v for k, v in data.items() if k != "command_id"}
            return await _refused(
                request, fresh, template, key=forms.FormError("form_stale"), status=409
            )
        except DomainError as exc:
            reason = refusal_said(exc, lang)
            return await _refused(request, data, template, reason=reason, status=_status_of(exc))
        replayed = outcome.replayed
    sos = rt.service.state.slice(Reports).sos.get(target.sos_id, target)
    said = text(
        "fd_sos_updated" if changes else "fd_sos_unchanged",
        lang,
        t=local_time(sos.updated_at),
        people=sos.people,
        injured=sos.injured,
        children=sos.children,
    )
    if _wants_json(request):
        body = {
            "ok": True,
            "id": sos.sos_id,
            "updated": True,
            "replayed": replayed,
            "message": said,
        }
        return Response(body, status_code=200, headers=_NO_STORE, cookies=cookies)
    keep = {"lat": f"{where.lat:.6f}", "lon": f"{where.lon:.6f}", "place": where.label}
    return await _resident_page(request, template=template, form=keep, done=said)


@post("/resident/sos", include_in_schema=False)
async def post_sos(request: Request[Any, Any, Any], data: FormData) -> Response[Any]:
    """An SOS from the resident page's form; while this phone's call is open (the form names
    it), a change to that call."""
    data = forms.as_typed(data)
    template = "silent.html" if data.get("silent_page") == "1" else "resident.html"
    if _same_origin(request) and (data.get("sos_id") or data.get("sos_of")):
        device, _ = _device(request)
        target = _sos_to_update(runtime(request), await _resident(request, device), data)
        if target is not None:
            return await _update_sos(request, data, template, target)
    return await _report(request, data, "sos", template)


@post("/resident/sighting", include_in_schema=False)
async def post_sighting(request: Request[Any, Any, Any], data: FormData) -> Response[Any]:
    """A sighting from the resident page's form."""
    return await _report(request, forms.as_typed(data), "sighting", "resident.html")


@post("/resident/safe", include_in_schema=False)
async def post_safe(request: Request[Any, Any, Any], data: FormData) -> Response[Any]:
    """ "I am safe": close this person's open calls for help."""
    form = await _calls_form(request, data)
    if isinstance(form, Response):
        return form
    rt, actor, base, template = form
    commands = _closing(base, _own_open_sos(rt, actor), SosOutcome.SAFE)
    survivor = _safe_check_in(rt, actor, base)
    if survivor is not None:
        commands.append(survivor)
    return await _close_calls(
        request,
        data,
        actor,
        commands,
        template=template,
        done_key="safe_done",
        none_key="safe_none",
    )


async def _calls_form(
    request: Request[Any, Any, Any], data: FormData
) -> tuple[Runtime, Actor, uuid.UUID, str] | Response[Any]:
    """What a form about this phone's own calls needs (the runtime, who sends it, its command
    id, the page it came from), or the refusal: another site's form, or no command id."""
    if not _same_origin(request):
        return _cross_site()
    template = "silent.html" if data.get("silent_page") == "1" else "resident.html"
    device, _ = _device(request)
    actor = await _resident(request, device)
    try:
        base = forms.command_id(data)
    except forms.FormError as exc:
        return await _refused(request, data, template, key=exc)
    return runtime(request), actor, base, template


def _closing(base: uuid.UUID, calls: Sequence[Sos], outcome: SosOutcome) -> list[Command]:
    """One command per call, its id derived from the form's: a resent form closes nothing
    twice."""
    return [
        ResolveSos(command_id=uuid.uuid5(base, s.sos_id), sos_id=s.sos_id, outcome=outcome)
        for s in calls
    ]


async def _close_calls(
    request: Request[Any, Any, Any],
    data: FormData,
    actor: Actor,
    commands: list[Command],
    *,
    template: str,
    done_key: str,
    none_key: str,
) -> Response[Any]:
    """Send the commands and say what they did (`none_key` when there was nothing to do)."""
    try:
        await _submit(request, actor, commands)
    except DomainError as exc:
        reason = refusal_said(exc, _lang(request))
        return await _refused(request, data, template, reason=reason, status=_status_of(exc))
    done = text(done_key if commands else none_key, _lang(request))
    if _wants_json(request):
        return Response({"ok": True, "closed": len(commands), "message": done}, headers=_NO_STORE)
    return await _resident_page(request, template=template, done=done)


@post("/resident/sos/cancel", include_in_schema=False)
async def post_sos_cancel(request: Request[Any, Any, Any], data: FormData) -> Response[Any]:
    """Cancel a call for help sent by mistake: this phone's open SOS the form names (by id,
    or by the command that raised it while offline), closed as withdrawn by the caller (not
    "safe": nobody was in danger). A form that names no call closes all this phone's open
    ones; one that names a call no longer open (resolved, or unknown) closes nothing: a
    newer call the caller did not mean is never withdrawn in its place."""
    form = await _calls_form(request, data)
    if isinstance(form, Response):
        return form
    rt, actor, base, template = form
    named = _sos_to_update(rt, actor, data)
    names_one = bool((data.get("sos_id") or "").strip() or (data.get("sos_of") or "").strip())
    closing = [named] if named is not None else [] if names_one else _own_open_sos(rt, actor)
    commands = _closing(base, closing, SosOutcome.WITHDRAWN)
    nothing = "fd_sos_already_closed" if names_one else "safe_none"
    return await _close_calls(
        request,
        data,
        actor,
        commands,
        template=template,
        done_key="fd_sos_cancelled",
        none_key=nothing,
    )


# The nearest address said for a point only within this distance of it (else none is said).
_NEAR_ADDRESS_M = 120.0


def near_address(rt: Runtime, lat: float, lon: float, lang: Lang) -> str | None:
    """The address of the building at a point, else of the nearest addressed building within
    _NEAR_ADDRESS_M: what the silent page shows so that the caller can check that the place
    sent is theirs. The street is said in the page's language where OSM names it in it."""
    town = rt.town
    if town is None:
        return None
    b = town.buildings
    i = town.building_at(lon, lat)
    if i is None or not (str(b.street[i]) and str(b.housenumber[i])):
        addressed = (b.street != "") & (b.housenumber != "")
        if not addressed.any():
            return None
        idx = np.flatnonzero(addressed)
        x, y = town.to_xy(lon, lat)
        d2 = (b.xy[idx, 0] - float(x)) ** 2 + (b.xy[idx, 1] - float(y)) ** 2
        k = int(np.argmin(d2))
        if float(d2[k]) > _NEAR_ADDRESS_M**2:
            return None
        i = int(idx[k])
    return f"{town.street_in(str(b.street[i]), lang)} {b.housenumber[i]}"


@get("/resident/near", include_in_schema=False)
async def near_place(
    request: Request[Any, Any, Any], lat: FromQuery[float], lon: FromQuery[float]
) -> Response[Any]:
    """The nearest address to a point (the silent page's "near ..." under its location), its
    street in the language asked for (the page sends its own: ?lang=)."""
    rt = runtime(request)
    inside = -90 <= lat <= 90 and -180 <= lon <= 180
    label = near_address(rt, lat, lon, _lang(request)) if inside else None
    return Response({"label": label}, headers={"Cache-Control": "public, max-age=300"})


def _safe_note(rt: Runtime, actor: Actor) -> str:
    """What "I am safe" does for this person when they have no open call for help:
    `registry` (a signed-in resident not yet checked in: it tells the registry), `registered`
    (already told), `anonymous` (nothing to close; signing in lets it tell the registry), or
    `none` (a staff account: nothing it can do here)."""
    if actor.account_id is None:
        return "anonymous"
    if actor.role is not Role.RESIDENT or not _display_name(rt, actor):
        return "none"
    survivors = rt.service.state.slice(Persons).survivors.values()
    if any(s.self_reported and s.checked_in_by == actor.account_id for s in survivors):
        return "registered"
    return "registry"


def _safe_check_in(rt: Runtime, actor: Actor, base: uuid.UUID) -> CheckInSurvivor | None:
    """A signed-in resident saying "I am safe" checks in as a survivor, once, for the registry.

    Families looking for this person are then matched against it by the registrars.
    """
    name = _display_name(rt, actor)
    if actor.role is not Role.RESIDENT or actor.account_id is None or not name:
        return None
    survivors = rt.service.state.slice(Persons).survivors.values()
    if any(s.self_reported and s.checked_in_by == actor.account_id for s in survivors):
        return None
    command = CheckInSurvivor(
        command_id=uuid.uuid5(base, "survivor"), name=PersonName(full_name=name[:200])
    )
    return command if auth.can_command(actor, command) else None


@get("/resident/places", include_in_schema=False)
async def places(request: Request[Any, Any, Any], q: FromQuery[str] = "") -> Response[Any]:
    """Places matching what someone typed, best first (for the address box's suggestions)."""
    rt = runtime(request)
    book = _book(rt)
    found = book.search(q[:200]) if book is not None else []
    lang = _lang(request)
    # `label` is what a pick sends and a report keeps; `shown`, the page's words for it.
    body = [
        {
            "label": p.label,
            "shown": forms.shown_label(rt.town, p.label, lang),
            "lat": p.lat,
            "lon": p.lon,
            "kind": p.kind,
        }
        for p in found
    ]
    # The words shown depend on the language asked for (?lang=, the cookie, the browser's).
    vary = {"Cache-Control": "public, max-age=300", "Vary": "Cookie, Accept-Language"}
    return Response(body, headers=vary)


# --- staff sign-in --------------------------------------------------------------------------


def _home_of(role: Role) -> str:
    if role is Role.REGISTRAR:
        return "/registry"
    if role in CONSOLE_ROLES:
        return "/console"
    if role in RESPONDER_ROLES:
        return "/responder"
    if role is Role.HOSPITAL:
        return "/hospital"
    return "/resident"


def _local_path(target: str | None) -> str | None:
    """A redirect target only when it stays on this site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


async def _login_page(
    request: Request[Any, Any, Any], *, error: str | None = None, status: int = 200
) -> Response[bytes]:
    lang = _lang(request)
    body = render(
        "login.html",
        lang,
        path=request.url.path,
        error=error,
        next=_local_path(request.query_params.get("next")) or "",
        message=request.query_params.get("why", ""),
        account=_display_name(runtime(request), await _signed_in(request)),
    )
    return _html(request, body, status=status, cookies=_lang_cookie(request))


@get("/login", include_in_schema=False)
async def login_page(request: Request[Any, Any, Any]) -> Response[bytes]:
    """The staff sign-in form."""
    return await _login_page(request)


@post("/login", include_in_schema=False)
async def login(request: Request[Any, Any, Any], data: FormData) -> Response[Any]:
    """Sign in: set the session cookie; answer JSON (with the token) to the page's script."""
    if not _same_origin(request):
        return _cross_site()
    rt = runtime(request)
    username = (data.get("username") or "").strip()[:64]
    password = (data.get("password") or "")[:200]
    try:
        if not username or not password:
            raise InvalidCredentials("missing")
        actor = await sign_in_within_limits(request, username, password)
    except (TooManySignIns, InvalidCredentials) as exc:
        lang = _lang(request)
        if isinstance(exc, TooManySignIns):  # no password was checked: say how long to wait
            status, reason = 429, text("login_limited", lang, s=exc.retry_after)
            headers = _NO_STORE | {"Retry-After": str(exc.retry_after)}
        else:
            status, reason, headers = 401, text("bad_login", lang), _NO_STORE
        if _wants_json(request):
            return Response({"ok": False, "reason": reason}, status_code=status, headers=headers)
        page = await _login_page(request, error=reason, status=status)
        page.headers.update(headers)
        return page
    token, expires, cookie = new_session(request, rt, actor)
    target = _local_path(data.get("next")) or _home_of(actor.role)
    if _wants_json(request):
        body = {
            "ok": True,
            "access_token": token,
            "expires_at": expires.isoformat(),
            "role": actor.role.value,
            "redirect": target,
        }
        return Response(body, cookies=[cookie], headers=_NO_STORE)
    return Redirect(target, status_code=303, cookies=[cookie], headers=_NO_STORE)


def new_session(
    request: Request[Any, Any, Any], rt: Runtime, actor: Actor
) -> tuple[str, datetime, Cookie]:
    """A new session for a signed-in account: its token, when it expires, and the HttpOnly
    cookie that carries it for the pages."""
    assert actor.account_id is not None
    now = rt.service.clock.now()
    token, expires = rt.tokens.issue(actor.account_id, actor.role.value, now)
    cookie = Cookie(
        key=TOKEN_COOKIE,
        value=token,
        max_age=max(1, int((expires - now).total_seconds())),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return token, expires, cookie


@post("/logout", include_in_schema=False)
async def logout(request: Request[Any, Any, Any]) -> Response[Any]:
    """Sign out: forget the session cookie."""
    gone = Cookie(key=TOKEN_COOKIE, value="", max_age=0, httponly=True, samesite="lax")
    return Redirect("/login", status_code=303, cookies=[gone])


@get("/session", include_in_schema=False)
async def session(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    """The session's token for this site's own scripts (a new tab has an empty sessionStorage).

    Only same-origin scripts can read the answer, and the cookie is never sent cross-site.
    """
    actor = await _signed_in(request)
    token = request.cookies.get(TOKEN_COOKIE)
    if actor is None or token is None:
        return Response({"ok": False}, status_code=401, headers=_NO_STORE)
    return Response(
        {"ok": True, "access_token": token, "role": actor.role.value}, headers=_NO_STORE
    )


# --- staff pages ----------------------------------------------------------------------------


def _refused_page(request: Request[Any, Any, Any], actor: Actor, key: str) -> Response[bytes]:
    """403: a page this account's role may not use, said in its words (`key`, given the role)."""
    lang = _lang(request)
    body = render(
        "refused.html",
        lang,
        path=request.url.path,
        message=text(key, lang, role=actor.role.value),
        account=_display_name(runtime(request), actor),
    )
    return _html(request, body, status=403, cookies=_lang_cookie(request))


def _cross_site() -> Response[str]:
    """403 for a form posted from another site's page."""
    return Response("cross-site form refused", status_code=403, media_type=MediaType.TEXT)


async def _staff_page(
    request: Request[Any, Any, Any],
    roles: frozenset[Role],
    refused_key: str,
    template: str,
    **ctx: Any,
) -> Response[Any]:
    actor = await _signed_in(request)
    path = request.url.path
    if actor is None:
        return sign_in_first(request)
    lang = _lang(request)
    rt = runtime(request)
    if actor.role not in roles:
        return _refused_page(request, actor, refused_key)
    body = render(
        template,
        lang,
        path=path,
        all_strings=True,
        role=actor.role.value,
        account=_display_name(rt, actor),
        has_town=rt.town is not None,
        **ctx,
    )
    return _html(request, body, cookies=_lang_cookie(request))


# How old a hospital's status may be and still be read as its state now, in minutes: the
# destination ranking's own limit, given to the console and the hospital desk (their config's
# stale_after_min) so that no page keeps a copy of it.
STATUS_STALE_AFTER_MIN = int(DEFAULT_POLICY.stale_after.total_seconds() // 60)


@get("/console", include_in_schema=False)
async def console_page(request: Request[Any, Any, Any]) -> Response[Any]:
    """The operations console (admins, dispatchers; analysts and registrars read)."""
    actor = await _signed_in(request)
    read_only = actor is not None and actor.role in {Role.ANALYST, Role.REGISTRAR}
    return await _staff_page(
        request,
        CONSOLE_ROLES,
        "console_refused",
        "console.html",
        read_only=read_only,
        stale_after_min=STATUS_STALE_AFTER_MIN,
        # The fuser's own stale age, so the console ages groups the way the server does.
        track_stale_s=runtime(request).settings.track_stale_s,
    )


@get("/responder", include_in_schema=False)
async def responder_page(request: Request[Any, Any, Any]) -> Response[Any]:
    """The responder view (phone): assignment, status, one-tap sighting, triage."""
    return await _staff_page(request, RESPONDER_ROLES, "responder_refused", "responder.html")


router = Router(
    path="",
    route_handlers=[
        resident_page,
        silent_page,
        service_worker,
        post_sos,
        post_sighting,
        post_safe,
        post_sos_cancel,
        near_place,
        places,
        login_page,
        login,
        logout,
        session,
        console_page,
        responder_page,
    ],
    include_in_schema=False,
)

ROUTERS = [router]
