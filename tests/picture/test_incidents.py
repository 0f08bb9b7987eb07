"""SOS reports merged into incidents: who is kept, what lasts, and what comes first."""

from __future__ import annotations

import dataclasses
import random

from magen.domain.reports import SosOutcome
from magen.picture.fusion import Fuser
from magen.picture.incidents import Urgency, build_incidents
from picture.picturekit import FRAME, at, sos, walk


def test_calls_from_one_place_within_minutes_are_one_incident_with_every_caller() -> None:
    reports = [
        sos("a", 0.0, 0.0, 0.0, reporter="mother", people=4, children=2),
        sos("b", 30.0, 20.0, 90.0, reporter="neighbour", people=3, injured=1),
        sos("c", -20.0, 10.0, 200.0),  # anonymous, from the same flat
        sos("far", 400.0, 0.0, 100.0, reporter="other"),
    ]
    incidents = build_incidents(reports, at(300))
    assert len(incidents) == 2
    here = next(i for i in incidents if i.incident_id == "a")
    assert here.sos_ids == ("a", "b", "c")
    assert here.reporters == ("acct:mother", "acct:neighbour", "anon:dev-c")
    # The same people described twice are not added up.
    assert (here.people, here.injured, here.children) == (4, 1, 2)
    assert here.first_raised == at(0)
    assert here.last_raised == at(200)


def test_a_later_call_at_a_resolved_place_is_a_new_incident() -> None:
    reports = [
        sos("a", 0.0, 0.0, 0.0, reporter="x", resolved=SosOutcome.RESCUED, resolved_t=300.0),
        sos("b", 10.0, 0.0, 2000.0, reporter="y"),
    ]
    incidents = build_incidents(reports, at(2100))
    assert [i.incident_id for i in incidents] == ["b", "a"]
    assert incidents[1].outcome is SosOutcome.RESCUED
    assert not incidents[1].open


def test_a_barricade_stays_one_incident_on_the_board_for_hours() -> None:
    reports = [
        sos("a", 0.0, 0.0, 0.0, reporter="x", people=6, silent=True),
        sos("b", 15.0, 5.0, 3 * 3600.0, reporter="y", people=6),
    ]
    (incident,) = build_incidents(reports, at(5 * 3600))
    assert incident.open
    assert incident.sos_ids == ("a", "b")
    assert incident.long_running
    assert incident.waiting_s == 5 * 3600
    assert "silent SOS: hiding, cannot talk" in incident.reasons


def test_an_incident_closes_only_when_every_call_is_resolved() -> None:
    reports = [
        sos("a", 0.0, 0.0, 0.0, reporter="x", resolved=SosOutcome.DUPLICATE, resolved_t=60.0),
        sos("b", 10.0, 0.0, 30.0, reporter="y", injured=2, people=2),
    ]
    (incident,) = build_incidents(reports, at(120))
    assert incident.open
    resolved = [
        reports[0],
        dataclasses.replace(reports[1], resolved=SosOutcome.SAFE, resolved_at=at(200)),
    ]
    (closed,) = build_incidents(resolved, at(300))
    assert not closed.open
    assert closed.outcome is SosOutcome.SAFE  # not the duplicate
    assert closed.resolved_at == at(200)
    assert closed.waiting_s == 200


def test_injured_children_near_a_threat_come_first_with_their_reasons() -> None:
    f = Fuser(frame=FRAME)
    for r in walk("t", (500.0, 40.0), (0.0, 0.0), [0, 30, 60], ["acct:r1", "acct:r2"]):
        f.ingest(r)
    threats = f.tracks(at(90))
    reports = [
        sos("quiet", -800.0, 0.0, 0.0, reporter="p", people=2),
        sos("hurt", 500.0, 0.0, 60.0, reporter="q", people=3, injured=2, children=1),
        sos("old", -1600.0, 0.0, 0.0, reporter="s", people=1),
    ]
    incidents = build_incidents(reports, at(600), threats)
    assert incidents[0].incident_id == "hurt"
    top = incidents[0]
    assert top.nearest_threat_id == threats[0].track_id
    assert top.nearest_threat_m is not None
    assert top.nearest_threat_m < 60.0
    assert top.urgency is Urgency.CRITICAL
    assert top.reasons[:3] == ("2 injured", "1 child", f"threat {top.nearest_threat_m:.0f} m away")
    # Far from the threat, more people in danger come first.
    assert [i.incident_id for i in incidents[1:]] == ["quiet", "old"]
    assert incidents[1].priority - incidents[2].priority == 0.5


def test_time_waiting_raises_priority() -> None:
    reports = [
        sos("new", 0.0, 0.0, 500.0, reporter="a"),
        sos("waiting", 900.0, 0.0, 0.0, reporter="b"),
    ]
    first, second = build_incidents(reports, at(600))
    assert first.incident_id == "waiting"
    assert first.priority > second.priority
    assert "waiting 10 min" in first.reasons


def test_an_unverified_threat_counts_for_less() -> None:
    f = Fuser(frame=FRAME)
    f.ingest(walk("t", (0.0, 60.0), (0.0, 0.0), [0], ["acct:lone"])[0])
    (threat,) = f.tracks(at(10))
    assert not threat.credible
    (incident,) = build_incidents([sos("a", 0.0, 0.0, 0.0, reporter="x")], at(30), [threat])
    assert incident.reasons[-1].startswith("unverified or stale threat")
    confirmed = dataclasses.replace(threat, confirmed=True)
    (sure,) = build_incidents([sos("a", 0.0, 0.0, 0.0, reporter="x")], at(30), [confirmed])
    assert sure.priority > incident.priority


def test_the_board_does_not_depend_on_the_order_reports_are_handed_in() -> None:
    reports = [
        sos(f"s{k}", (k % 5) * 35.0, (k // 5) * 35.0, 20.0 * k, reporter=f"r{k % 7}", injured=k % 2)
        for k in range(25)
    ]
    expected = build_incidents(reports, at(900))
    shuffled = reports[:]
    random.Random(4).shuffle(shuffled)
    assert build_incidents(shuffled, at(900)) == expected
    assert sum(len(i.sos_ids) for i in expected) == 25


def test_no_reports_no_incidents() -> None:
    assert build_incidents([], at(0)) == []
