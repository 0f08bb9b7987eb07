"""The picture as Cursor on Target events, for TAK users (ATAK, WinTAK, iTAK, a TAK server).

Each event is made from the same role-filtered sections as `GET /picture`, so a TAK client
sees exactly what its account may see and nothing more. What is drawn:
- open threat tracks: hostile (`a-h-G...`) once confirmed, suspect (`a-s-G...`) before, on
  foot or in a vehicle, at the fused position with its error (`ce`), course and speed, the
  honest count as the label ("~4 attackers (3-5)");
- open calls for help (SOS) as red spot markers, a silent one saying to approach quietly;
- checked-in responders with a position, as friendly units, their status in the remarks and
  their position's accuracy as `ce`, except a responder whose latest position came from
  their own TAK device (see `device_placed`);
- danger areas as drawn circles or polygons.

Times: `time` is when the feed was made, `start` when the thing was last known (seen,
reported, positioned), and `stale` a refresh interval after `time`. A TAK client that stops
receiving the feed sees everything go stale within that interval: never an empty, "all
clear" map. Words come from the caller's `say` (the page words, in the reader's language).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, tzinfo
from typing import Any

from magen.app import alerts_policy, picture_views  # noqa: F401  (their sections of the picture)
from magen.app.projections import picture_parts
from magen.domain.base import Actor
from magen.domain.errors import InvalidCommand
from magen.domain.responders import ReportPosition, Responder, Responders
from magen.domain.state import State
from magen.domain.values import GeoPoint
from magen.interop.cot import (
    CIRCLE,
    FREEFORM,
    FRIEND,
    FUSED,
    GPS,
    HOSTILE,
    HUMAN,
    SPOT,
    SUSPECT,
    UNKNOWN,
    CotEvent,
    Ellipse,
    argb,
)

Say = Callable[..., str]  # say(key, **values): the words for a key in the reader's language

DEFAULT_STALE_S = 300
_MAX_ACCURACY_M = 100_000  # the most a position's accuracy may say (GeoPoint's bound)
UID_PREFIX = "magen"

RED = argb(255, 220, 20, 20)
DANGER_FILL = argb(64, 220, 20, 20)

# MIL-STD-2525 function codes after the affiliation: a group on foot is infantry, else a
# ground vehicle, else just a ground unit.
_HOSTILE_FUNCTION = {"on_foot": "-G-U-C-I", "vehicle": "-G-E-V"}
_FRIEND_FUNCTION = {
    "police_on_duty": "-G-U-C-I",  # ground combat infantry: armed on foot
    "police_off_duty": "-G-U-C-I",
    "volunteer": "-G-U-C-I",
    "medic": "-G-U-S-M",  # combat service support, medical
}

# Each picture section this feed reads, in the order its events are written.
SECTIONS = ("tracks", "sos", "responders", "danger_areas")


def uid_of(kind: str, item_id: str) -> str:
    """A stable CoT uid per thing: a TAK client replaces the marker instead of adding one."""
    return f"{UID_PREFIX}-{kind}-{item_id}"


def _at(raw: str | None) -> datetime | None:
    return datetime.fromisoformat(raw) if raw else None


def _count_words(say: Say, count: dict[str, Any] | None) -> str:
    n, low, high = (
        (count or {}).get("estimate"),
        (count or {}).get("low"),
        (count or {}).get("high"),
    )
    if n is None and low is None:
        return say("cx_attackers_unknown")
    if low == high == n:
        return say("cx_attackers_exact", n=n)
    return say("cx_attackers_est", n=n, range=f"{low}\u2013{high}")


def device_placed(r: Responder) -> bool:
    """Whether TAK users already see this responder as their own device draws them.

    A responder whose latest position came by CoT from a TAK device (POST /cot) is on the
    TAK network under that device's uid: Magen leaves them out of its feed rather than
    re-emit them, as a TAK gateway sends an entity on under one uid and never echoes it back
    to where it came from. Under a uid of Magen's, TAK users would see two markers for one
    person. Under the device's own uid, Magen's copy would still be the worse one: a poll
    and a push behind the device (the marker would jump back, then forward again), without
    the device's own detail (its contact endpoint for chat, its team and role: a TAK client
    replaces an event's detail whole), and kept fresh after the device itself has stopped,
    so a phone with a dead battery would not go stale on anyone's map.

    Once the newest position comes from Magen instead (the app, a check-in), the responder is
    Magen's to draw again, under Magen's uid; the device's marker goes stale on its own.
    """
    return r.device_uid is not None


class _Feed:
    """The events of one picture, made at one moment for one reader."""

    def __init__(
        self,
        now: datetime,
        stale_s: float,
        say: Say,
        tz: tzinfo,
        responders: dict[str, Responder] | None = None,
    ) -> None:
        self.now = now
        self.stale = now + timedelta(seconds=stale_s)
        self.say = say
        self.tz = tz
        self.responders = responders or {}

    def clock(self, t: datetime) -> str:
        return t.astimezone(self.tz).strftime("%H:%M:%S")

    def event(self, **fields: Any) -> CotEvent:
        start = min(fields.pop("start") or self.now, self.now)
        return CotEvent(time=self.now, start=start, stale=self.stale, **fields)

    def track(self, t: dict[str, Any]) -> CotEvent | None:
        if not t.get("open") or t.get("merged_into"):
            return None
        say = self.say
        affiliation = HOSTILE if t.get("confirmed") else SUSPECT
        remarks = [say("fact_confirmed") if t.get("confirmed") else say("cot_unconfirmed")]
        if t.get("armed") == "yes":
            remarks.append(say("cx_armed"))
        if t.get("mobility") in ("on_foot", "vehicle"):
            remarks.append(say(t["mobility"]))
        last_seen = _at(t.get("last_seen"))
        if last_seen is not None:
            remarks.append(say("cot_last_seen", t=self.clock(last_seen)))
        moving = t.get("heading_deg") is not None
        return self.event(
            uid=uid_of("track", t["id"]),
            type=affiliation + _HOSTILE_FUNCTION.get(t.get("mobility", ""), "-G"),
            how=FUSED,
            start=last_seen,
            lat=t["lat"],
            lon=t["lon"],
            ce=float(t.get("position_error_m") or UNKNOWN),
            callsign=_count_words(say, t.get("count")),
            remarks=say("dx_sep").join(remarks),
            course_deg=t["heading_deg"] if moving else None,
            speed_mps=t.get("speed_mps") if moving else None,
            extra=(("kind", "track"), ("id", t["id"])),
        )

    def sos(self, s: dict[str, Any]) -> CotEvent | None:
        if s.get("resolved"):
            return None
        say = self.say
        label = say("sos_silent") if s.get("silent") else say("dx_task_sos")
        remarks = [
            say("sos_line", people=s["people"], injured=s["injured"], children=s["children"])
        ]
        if s.get("silent"):
            remarks.append(say("fd_task_silent"))
        if s.get("text"):
            remarks.append(str(s["text"]))
        return self.event(
            uid=uid_of("sos", s["id"]),
            type=SPOT,
            how=HUMAN,
            start=_at(s.get("updated_at")),
            lat=s["lat"],
            lon=s["lon"],
            callsign=label,
            remarks="\n".join(remarks),
            stroke_argb=RED,
            extra=(("kind", "sos"), ("id", s["id"])),
        )

    def responder(self, r: dict[str, Any]) -> CotEvent | None:
        if r.get("lat") is None or r.get("lon") is None:
            return None  # checked in without a position: nowhere to draw
        known = self.responders.get(str(r["id"]))
        if known is not None and device_placed(known):
            return None  # its own TAK device draws it
        accuracy = known.where.accuracy_m if known is not None and known.where else None
        say = self.say
        caps = say("dx_list").join(say(f"cap_{c}") for c in r.get("capabilities", ()))
        remarks = [say(f"st_{r['status']}")] + ([caps] if caps else [])
        if r.get("radio_channel"):
            remarks.append(say("cx_radio", ch=r["radio_channel"]))
        return self.event(
            uid=uid_of("responder", r["id"]),
            type=FRIEND + _FRIEND_FUNCTION.get(r.get("kind", ""), "-G"),
            how=GPS,
            start=_at(r.get("where_at")),
            lat=r["lat"],
            lon=r["lon"],
            ce=UNKNOWN if accuracy is None else float(accuracy),
            # As the dispatcher calls them; a check-in from before callsigns by kind and id.
            callsign=r.get("callsign") or f"{say('kind_' + r['kind'])} {str(r['id'])[:8]}",
            remarks=say("dx_sep").join(remarks),
            extra=(("kind", "responder"), ("id", r["id"])),
        )

    def danger_area(self, d: dict[str, Any], lang: str) -> CotEvent:
        area = d["area"]
        title = (d.get("title") or {}).get(lang) or d.get("reason", "")
        common: dict[str, Any] = {
            "uid": uid_of("danger", d["id"]),
            "how": HUMAN,
            "start": _at(d.get("starts_at")),
            "callsign": title,
            "remarks": d.get("note") or None,
            "stroke_argb": RED,
            "fill_argb": DANGER_FILL,
            "extra": (("kind", "danger_area"), ("id", d["id"])),
        }
        if area["kind"] == "circle":
            r = float(area["radius_m"])
            return self.event(
                type=CIRCLE,
                lat=area["lat"],
                lon=area["lon"],
                ellipse=Ellipse(r, r),
                **common,
            )
        ring = [(lat, lon) for lon, lat in area["ring"]]
        # The point of a drawn shape is its middle (the mean of its distinct corners).
        corners = ring[:-1] if len(ring) > 1 and ring[0] == ring[-1] else ring
        lat = sum(p[0] for p in corners) / len(corners)
        lon = sum(p[1] for p in corners) / len(corners)
        return self.event(type=FREEFORM, lat=lat, lon=lon, outline=tuple(ring), **common)


def picture_events(
    state: State,
    actor: Actor,
    *,
    now: datetime,
    say: Say,
    lang: str,
    tz: tzinfo,
    stale_s: float = DEFAULT_STALE_S,
) -> list[CotEvent]:
    """The CoT events of the picture this actor may see, made `now`."""
    parts = picture_parts(state, actor, SECTIONS)
    # The picture's responders are those this actor may see; their source and accuracy are
    # read from the responders themselves.
    feed = _Feed(now, stale_s, say, tz, state.slice(Responders).by_id)
    made: list[CotEvent | None] = []
    made += [feed.track(t) for t in parts.get("tracks") or ()]
    made += [feed.sos(s) for s in parts.get("sos") or ()]
    made += [feed.responder(r) for r in parts.get("responders") or ()]
    made += [feed.danger_area(d, lang) for d in parts.get("danger_areas") or ()]
    return [e for e in made if e is not None]


def position_report(event: CotEvent, sender: str | None) -> ReportPosition:
    """A TAK device's own position (its friendly `a-f-...` event) as the responder's report.

    The command id comes from the event's uid and time and the sending account: the same
    event sent again (a TAK client resends on reconnect) is one report, another fix from the
    device another. The
    report names the device (its uid), so the feed leaves the responder to the device's own
    marker (`device_placed`); its `ce` is the position's accuracy."""
    if not event.type.startswith(FRIEND + "-"):
        raise InvalidCommand(
            "only a device's own position (a friendly 'a-f-...' event) is taken, "
            f"not {event.type!r}"
        )
    known = event.ce != UNKNOWN and event.ce <= _MAX_ACCURACY_M
    return ReportPosition(
        # "cot-device:", not the "cot:" of reports made before they named their device: a
        # resend across that change is a second, identical report, not a conflict. The sender
        # is part of it: the same uid and time from another account is that account's own
        # command, refused or taken by its own role, never a "reused id" of someone else's.
        command_id=uuid.uuid5(
            uuid.NAMESPACE_URL, f"cot-device:{event.uid}:{event.time.isoformat()}|{sender}"
        ),
        where=GeoPoint(lat=event.lat, lon=event.lon, accuracy_m=event.ce if known else None),
        observed_at=event.time,
        device_uid=event.uid,
    )
