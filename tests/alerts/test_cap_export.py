"""CAP 1.2 export: every message validates against the OASIS schema; references, feed, options."""

from __future__ import annotations

import dataclasses
import re
import uuid
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from alerts.alertlog import NOW, Log
from alerts.capgen import alert_commands, circles, local_texts, polygons, zone_ids
from magen.alerts.cap import (
    CapConfig,
    ZoneArea,
    cap_feed,
    current_messages,
    export_event,
    message_for_event,
)
from magen.alerts.capxml import CAP_NS, CapError, cap_schema, decode_cap, validate_cap
from magen.domain.alerts import (
    AlertCategory,
    ChangeShelterStatus,
    Circle,
    ClearGuidanceOverride,
    DangerReason,
    DeclareDangerArea,
    EndAlert,
    IssueAlert,
    IssueGuidanceOverride,
    LiftDangerArea,
    LocalText,
    OverrideAction,
    Polygon,
    ShelterStatus,
    UpdateAlert,
    UpdateDangerArea,
)
from magen.domain.base import Recorded

NS = {"cap": CAP_NS}
BAKA = ZoneArea(
    name=LocalText(he="בקעה", ar="البقعة", en="Baka"),
    ring=((35.21, 31.755), (35.222, 31.755), (35.222, 31.768), (35.21, 31.768), (35.21, 31.755)),
)
CONFIG = CapConfig(sender="magen@baka.example", zone_area={"baka": BAKA}.get)
CAP_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


def cid() -> uuid.UUID:
    return uuid.uuid4()


# --- strategies ---------------------------------------------------------------------------

tzs: st.SearchStrategy[tzinfo] = st.sampled_from(
    [UTC, ZoneInfo("Asia/Jerusalem"), timezone(timedelta(hours=-5, minutes=-30))]
)
configs = st.builds(
    CapConfig,
    sender=st.just("magen@baka.example"),
    status=st.sampled_from(["Actual", "Exercise", "Test"]),
    tz=tzs,
    zone_area=st.just({"baka": BAKA}.get),
)
times = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
)


def assert_valid(xml: bytes) -> etree._Element:
    """The document validates against the OASIS schema and CAP's own rules."""
    validate_cap(xml)
    root = etree.fromstring(xml)
    assert cap_schema().validate(root), cap_schema().error_log
    for sent in root.iter(f"{{{CAP_NS}}}sent", f"{{{CAP_NS}}}effective", f"{{{CAP_NS}}}expires"):
        assert CAP_TIME.match(sent.text or ""), sent.text
    for polygon in root.iter(f"{{{CAP_NS}}}polygon"):
        pairs = (polygon.text or "").split()
        assert len(pairs) >= 4
        assert pairs[0] == pairs[-1]
    return root


def export_all(log: Log, records: list[Recorded], config: CapConfig = CONFIG) -> list[bytes]:
    out = []
    for rec in records:
        xml = export_event(rec, log.state, config)
        assert xml is not None
        out.append(xml)
    return out


# --- properties ---------------------------------------------------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    command=alert_commands(),
    config=configs,
    at=times,
    update=local_texts,
    expires=st.one_of(st.none(), st.integers(5, 600)),
)
def test_every_alert_message_validates_against_the_official_schema(
    command: IssueAlert,
    config: CapConfig,
    at: datetime,
    update: LocalText,
    expires: int | None,
) -> None:
    log = Log()
    if expires is not None:
        command = command.model_copy(update={"expires_at": at + timedelta(minutes=expires)})
    (issued,) = log.run(command, at=at)
    alert_id = issued.event.alert_id  # type: ignore[attr-defined]
    records = [issued]
    grown = (*command.zone_ids, "zz-extra")
    records += log.run(
        UpdateAlert(command_id=cid(), alert_id=alert_id, zone_ids=grown, instruction=update), at=at
    )
    zones = log.alerts.alerts[alert_id].active_zones
    if len(zones) > 1:
        records += log.run(EndAlert(command_id=cid(), alert_id=alert_id, zone_ids=zones[:1]), at=at)
    records += log.run(EndAlert(command_id=cid(), alert_id=alert_id), at=at)
    docs = export_all(log, records, config)
    ids: list[str] = []
    for n, xml in enumerate(docs):
        root = assert_valid(xml)
        msg = decode_cap(xml)
        assert msg.msg_type == ("Alert" if n == 0 else "Update")
        assert [r.identifier for r in msg.references] == ids
        ids.append(msg.identifier)
        expected_status = (
            "Exercise" if command.drill and config.status == "Actual" else config.status
        )
        assert msg.status == expected_status
        assert [i.language for i in msg.infos] == ["he-IL", "ar", "en-US"]
        assert root.findtext("cap:scope", namespaces=NS) == "Public"
    assert len(set(ids)) == len(ids)
    final = decode_cap(docs[-1])
    assert all(i.response_types == ("AllClear",) for i in final.infos)


@settings(max_examples=40, deadline=None)
@given(
    area=st.one_of(polygons(), circles(10_000)),
    reason=st.sampled_from(DangerReason),
    # Free text as the domain takes it: no controls (but tab and newline) or non-characters.
    note=st.text(
        st.characters(exclude_categories=("Cc", "Cs", "Cn"), include_characters="\t\n"),
        max_size=200,
    ),
    action=st.sampled_from(OverrideAction),
    zones=zone_ids,
    text=local_texts,
    config=configs,
)
def test_overrides_and_danger_areas_validate_too(
    area: Circle | Polygon,
    reason: DangerReason,
    note: str,
    action: OverrideAction,
    zones: list[str],
    text: LocalText,
    config: CapConfig,
) -> None:
    log = Log()
    (declared,) = log.run(DeclareDangerArea(command_id=cid(), area=area, reason=reason, note=note))
    area_id = declared.event.area_id  # type: ignore[attr-defined]
    records = [declared]
    records += log.run(UpdateDangerArea(command_id=cid(), area_id=area_id, note=note + "!"))
    records += log.run(LiftDangerArea(command_id=cid(), area_id=area_id, note=note))
    (issued,) = log.run(
        IssueGuidanceOverride(
            command_id=cid(),
            action=action,
            zone_ids=tuple(zones),
            area=area,
            instruction=text,
            reason=note,
            proposal_id="prp_1",
        )
    )
    records.append(issued)
    override_id = issued.event.override_id  # type: ignore[attr-defined]
    records += log.run(ClearGuidanceOverride(command_id=cid(), override_id=override_id, note=note))
    types = []
    for xml in export_all(log, records, config):
        assert_valid(xml)
        types.append(decode_cap(xml).msg_type)
    assert types == ["Alert", "Update", "Update", "Alert", "Cancel"]


# --- examples -----------------------------------------------------------------------------


def test_alert_message_content(log: Log) -> None:
    at = datetime(2024, 7, 1, 6, 15, 42, 987_654, tzinfo=UTC)
    (rec,) = log.run(
        IssueAlert(
            command_id=cid(),
            category=AlertCategory.MISSILES,
            zone_ids=("baka", "z2"),
            seconds_to_shelter={"baka": 90},
            areas=(Circle(lat=31.76, lon=35.215, radius_m=1234.5),),
            expires_at=at + timedelta(minutes=10),
        ),
        at=at,
    )
    config = CapConfig(
        sender="magen@baka.example", tz=ZoneInfo("Asia/Jerusalem"), zone_area={"baka": BAKA}.get
    )
    xml = export_event(rec, log.state, config)
    assert xml is not None
    root = assert_valid(xml)
    assert root.findtext("cap:sent", namespaces=NS) == "2024-07-01T09:15:42+03:00"
    assert root.findtext("cap:identifier", namespaces=NS) == f"magen-{rec.event.alert_id}"  # type: ignore[attr-defined]
    he, ar, en = root.findall("cap:info", NS)
    assert he.findtext("cap:event", namespaces=NS) == "ירי רקטות וטילים"
    assert ar.findtext("cap:event", namespaces=NS) == "إطلاق قذائف صاروخية وصواريخ"
    assert en.findtext("cap:event", namespaces=NS) == "Rocket and missile fire"
    assert en.findtext("cap:category", namespaces=NS) == "Security"
    assert en.findtext("cap:responseType", namespaces=NS) == "Shelter"
    assert en.findtext("cap:expires", namespaces=NS) == "2024-07-01T09:25:42+03:00"
    assert he.findtext("cap:instruction", namespaces=NS).startswith("היכנסו מיד למרחב המוגן")  # type: ignore[union-attr]
    first, second, geometry = en.findall("cap:area", NS)
    assert first.findtext("cap:areaDesc", namespaces=NS) == "Baka"
    assert he.find("cap:area", NS).findtext("cap:areaDesc", namespaces=NS) == "בקעה"  # type: ignore[union-attr]
    assert first.findtext("cap:polygon", namespaces=NS) == (
        "31.755,35.21 31.755,35.222 31.768,35.222 31.768,35.21 31.755,35.21"
    )
    assert first.findtext("cap:geocode/cap:value", namespaces=NS) == "baka"
    assert second.findtext("cap:areaDesc", namespaces=NS) == "z2"
    assert second.find("cap:polygon", NS) is None
    assert geometry.findtext("cap:circle", namespaces=NS) == "31.76,35.215 1.2345"
    params = [p.findtext("cap:value", namespaces=NS) for p in en.findall("cap:parameter", NS)]
    assert params == ["baka=90"]


def test_an_infiltration_all_clear_never_tells_people_to_go_out(log: Log) -> None:
    """A zone's infiltration alert ends while attackers may be in the next streets: the feed's
    all clear, read alone by a relay, never says "you may leave your homes"."""
    (issued,) = log.run(
        IssueAlert(
            command_id=cid(),
            category=AlertCategory.TERRORIST_INFILTRATION,
            zone_ids=("z1", "z2"),
        )
    )
    alert_id = issued.event.alert_id  # type: ignore[attr-defined]
    (ended,) = log.run(EndAlert(command_id=cid(), alert_id=alert_id, zone_ids=("z1",)))
    [xml] = export_all(log, [ended])
    msg = decode_cap(xml)
    said = {i.language: i.instruction or "" for i in msg.infos}
    assert all(i.response_types == ("AllClear",) for i in msg.infos)
    assert "leave your homes" not in said["en-US"]
    assert "Do not go out where another alert is still in force" in said["en-US"]
    assert "לצאת מהבתים" not in said["he-IL"]
    assert "אל תצאו" in said["he-IL"]
    assert "لا تخرجوا" in said["ar"]
    # The words are kept with the all clear: an export of an older log, whose all clear did
    # not keep them, says what was said then, not today's words.
    assert ended.event.instruction is not None  # type: ignore[attr-defined]
    old = Log()
    old.records = [
        dataclasses.replace(r, event=r.event.model_copy(update={"instruction": None}))
        if r.event.type == "AlertEnded"
        else r
        for r in log.records
    ]
    old.state = old.replayed()
    [xml] = export_all(old, [old.records[-1]])
    then = {i.language: i.instruction or "" for i in decode_cap(xml).infos}
    assert "You may leave your homes and move about the area." in then["en-US"]


def test_override_cancel_references_its_alert(log: Log) -> None:
    (issued,) = log.run(
        IssueGuidanceOverride(
            command_id=cid(), action=OverrideAction.LOCK_IN, zone_ids=("baka",), proposal_id="p1"
        )
    )
    later = NOW + timedelta(minutes=3)
    (cleared,) = log.run(
        ClearGuidanceOverride(command_id=cid(), override_id=issued.event.override_id),  # type: ignore[attr-defined]
        at=later,
    )
    first = message_for_event(issued, log.state, CONFIG)
    cancel = message_for_event(cleared, log.state, CONFIG)
    assert first is not None
    assert cancel is not None
    assert cancel.msg_type == "Cancel"
    assert [(r.sender, r.identifier, r.sent) for r in cancel.references] == [
        (first.sender, first.identifier, first.sent)
    ]
    assert cancel.identifier == f"{first.identifier}-{cleared.position}"
    assert cancel.infos[2].instruction == (
        "This instruction is withdrawn. Follow the Home Front Command's instructions."
    )
    assert first.infos[0].event == "הסתגרות"
    assert ("magen:proposal", "p1") in first.infos[0].parameters


def test_status_is_configurable_and_drills_are_exercises(log: Log) -> None:
    (real,) = log.run(
        IssueAlert(command_id=cid(), category=AlertCategory.EARTHQUAKE, zone_ids=("z",))
    )
    (drill,) = log.run(
        IssueAlert(command_id=cid(), category=AlertCategory.MISSILES, zone_ids=("z",), drill=True)
    )
    for status in ("Actual", "Exercise", "Test"):
        config = CapConfig(sender="m@x", status=status)  # type: ignore[arg-type]
        assert decode_cap(export_event(real, log.state, config) or b"").status == status
        drill_status = decode_cap(export_event(drill, log.state, config) or b"").status
        assert drill_status == ("Exercise" if status == "Actual" else status)
    quake = decode_cap(export_event(real, log.state, CONFIG) or b"")
    assert quake.infos[0].categories == ("Geo",)
    assert quake.infos[0].response_types == ("Evacuate",)


def test_events_that_are_not_alerts_have_no_cap_message(log: Log) -> None:
    (rec,) = log.run(
        ChangeShelterStatus(command_id=cid(), shelter_id="sh1", status=ShelterStatus.FULL)
    )
    assert export_event(rec, log.state, CONFIG) is None


def test_free_text_xml_cannot_carry_is_refused_and_stripped_from_older_logs(log: Log) -> None:
    bad = "bag\x00 near <gate> & fence\x1b"
    with pytest.raises(ValueError, match="control character"):
        DeclareDangerArea(
            command_id=cid(),
            area=Circle(lat=31.76, lon=35.21, radius_m=80),
            reason=DangerReason.SUSPICIOUS_OBJECT,
            note=bad,
        )
    (rec,) = log.run(
        DeclareDangerArea(
            command_id=cid(),
            area=Circle(lat=31.76, lon=35.21, radius_m=80),
            reason=DangerReason.SUSPICIOUS_OBJECT,
            note="bag near <gate> & fence",
        )
    )
    # A log written before the domain refused such text still exports valid CAP.
    older = dataclasses.replace(rec, event=rec.event.model_copy(update={"note": bad}))
    xml = export_event(older, log.state, CONFIG)
    assert xml is not None
    assert_valid(xml)
    assert decode_cap(xml).infos[0].description == "bag near <gate> & fence"


def test_zone_outlines_are_closed_for_cap() -> None:
    open_ring = ZoneArea(name=LocalText(en="Baka"), ring=BAKA.ring[:-1] if BAKA.ring else None)
    assert open_ring.ring == BAKA.ring
    with pytest.raises(ValueError, match="at least 3 distinct points"):
        ZoneArea(name=LocalText(en="x"), ring=((35.2, 31.7), (35.3, 31.7), (35.2, 31.7)))


def test_config_refuses_senders_cap_forbids() -> None:
    with pytest.raises(ValueError, match="spaces, commas"):
        CapConfig(sender="magen baka")
    with pytest.raises(ValueError, match="must not be empty"):
        CapConfig(sender="")


# --- feed ---------------------------------------------------------------------------------

ATOM = {"a": "http://www.w3.org/2005/Atom", "cap": CAP_NS}


def test_feed_lists_current_messages_newest_first_and_keeps_recent_all_clears(log: Log) -> None:
    (old,) = log.run(
        IssueAlert(command_id=cid(), category=AlertCategory.MISSILES, zone_ids=("z1",))
    )
    log.run(EndAlert(command_id=cid(), alert_id=old.event.alert_id))  # type: ignore[attr-defined]
    t1 = NOW + timedelta(minutes=30)
    (live,) = log.run(
        IssueAlert(
            command_id=cid(),
            category=AlertCategory.TERRORIST_INFILTRATION,
            zone_ids=("baka",),
        ),
        at=t1,
    )
    log.run(
        IssueAlert(
            command_id=cid(),
            category=AlertCategory.EARLY_WARNING,
            zone_ids=("z1",),
            expires_at=t1 + timedelta(minutes=5),
        ),
        at=t1,
    )
    (danger,) = log.run(
        DeclareDangerArea(
            command_id=cid(),
            area=Circle(lat=31.76, lon=35.21, radius_m=300),
            reason=DangerReason.ARMED_ATTACKERS,
        ),
        at=t1,
    )
    now = t1 + timedelta(minutes=10)
    feed = cap_feed(
        log.state,
        CONFIG,
        now,
        feed_id="urn:magen:baka",
        self_url="https://magen.example/api/v1/cap/feed",
        entry_url=lambda m: f"https://magen.example/api/v1/cap/{m.identifier}.xml",
    )
    root = etree.fromstring(feed)
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    entries = root.findall("a:entry", ATOM)
    titles = [e.findtext("a:title", namespaces=ATOM) for e in entries]
    # The all clear of the first alert is 40 minutes old: kept (an hour); the early warning
    # expired and is kept as well, so subscribers see the whole story.
    assert titles == [
        "Danger area: armed attackers",
        "Early warning",
        "Terrorist infiltration",
        "The event has ended",
        "Rocket and missile fire",
    ]
    for entry in entries:
        (alert,) = entry.find("a:content", ATOM)  # type: ignore[misc]
        assert cap_schema().validate(alert), cap_schema().error_log
        assert entry.find("a:link", ATOM).get("type") == "application/cap+xml"  # type: ignore[union-attr]
    assert root.findtext("a:updated", namespaces=ATOM) == "2024-05-01T10:00:00+00:00"
    assert danger.position > live.position

    much_later = now + timedelta(hours=2)
    remaining = current_messages(log.state, CONFIG, much_later)
    assert [m.infos[2].event for m in remaining] == [
        "Terrorist infiltration",
        "Danger area: armed attackers",
    ]


def test_an_imported_alert_is_sent_under_our_identity_and_references_upstream(log: Log) -> None:
    """CAP 1.2 §3.2.1: identifier and sender are the originator's. What Magen sends about an
    upstream alert (its zones, languages, instructions) is its own message, naming the
    upstream messages in `references`, never a copy under the upstream's identity."""
    from magen.domain.alerts import CapRef, CapSource

    def upstream(identifier: str, seconds: int) -> CapSource:
        return CapSource(
            sender="hfc@oref.example", identifier=identifier, sent=NOW - timedelta(seconds=seconds)
        )

    first_source, update_source = upstream("HFC-77", 5), upstream("HFC-78", 2)
    records = log.run(
        IssueAlert(
            command_id=cid(),
            category=AlertCategory.MISSILES,
            zone_ids=("z1", "z2"),
            source=first_source,
        )
    )
    alert_id = records[0].event.alert_id  # type: ignore[attr-defined]
    earlier = (CapRef(sender="hfc@oref.example", identifier="HFC-77"),)
    records += log.run(
        UpdateAlert(
            command_id=cid(), references=earlier, zone_ids=("z1", "baka"), source=update_source
        ),
        at=NOW + timedelta(seconds=1),
    )
    records += log.run(
        EndAlert(command_id=cid(), alert_id=alert_id, zone_ids=("z1",)),
        at=NOW + timedelta(seconds=2),
    )
    docs = export_all(log, records)
    for xml in docs:
        assert_valid(xml)
    first, update, clear = (decode_cap(xml) for xml in docs)
    assert [m.msg_type for m in (first, update, clear)] == ["Alert", "Update", "Update"]
    for m in (first, update, clear):
        assert m.sender == "magen@baka.example"
        assert m.identifier.startswith(f"magen-{alert_id}")
    assert first.sent == NOW
    assert len({m.identifier for m in (first, update, clear)}) == 3

    def refs(m: object) -> list[tuple[str, str, datetime]]:
        return [(r.sender, r.identifier, r.sent) for r in m.references]  # type: ignore[attr-defined]

    hfc77 = ("hfc@oref.example", "HFC-77", first_source.sent)
    hfc78 = ("hfc@oref.example", "HFC-78", update_source.sent)
    ours1 = (first.sender, first.identifier, first.sent)
    ours2 = (update.sender, update.identifier, update.sent)
    assert refs(first) == [hfc77]
    # Each update references our earlier messages (the chain) and the upstream ones.
    assert refs(update) == [ours1, hfc77, hfc78]
    assert refs(clear) == [ours1, ours2, hfc77, hfc78]
    # The upstream message's identity appears nowhere as ours.
    for xml in docs:
        root = etree.fromstring(xml)
        assert root.findtext("cap:identifier", namespaces=NS) != "HFC-77"
        assert root.findtext("cap:sender", namespaces=NS) == "magen@baka.example"


def test_decoding_rejects_garbage_even_for_our_own_helpers() -> None:
    with pytest.raises(CapError, match="malformed XML"):
        decode_cap(b"<alert")
