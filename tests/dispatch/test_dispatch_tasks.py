"""Tasks from the picture: which tracks and incidents need whom, and what assignments fill."""

from __future__ import annotations

from datetime import timedelta

from magen.dispatch.assign import Fact, Need, TaskKind
from magen.dispatch.tasks import (
    ARMED,
    FACT_CODES,
    MEDIC,
    AreaLink,
    NeedsConfig,
    open_tasks,
    still_needed,
    threat_task,
)
from magen.domain.reports import SosOutcome
from magen.domain.responders import Capability
from magen.domain.values import SourceTier
from magen.picture.acts import ConfirmAct, NeutraliseAct
from magen.picture.fusion import Fuser
from picture import picturekit
from picture.picturekit import T0, at
from support import taskkit as kit


def test_a_corroborated_armed_group_needs_one_armed_responder_per_attacker() -> None:
    fuser = Fuser()
    track_id = kit.group(fuser, "a", 0, 0, ["acct:cop1", "acct:cop2", "acct:cop3"], count=4)
    fuser.apply(ConfirmAct(track_id, at(35.0)))
    (track,) = kit.tracks(fuser)
    task = threat_task(track)
    assert task.kind is TaskKind.THREAT
    assert task.needs == (Need(ARMED, "4 armed attackers", Fact("armed_attackers", 4)),) * 4
    cfg = NeedsConfig()
    assert task.priority == cfg.threat_priority + 4 * cfg.points_per_attacker + cfg.confirmed_points
    assert task.label == "threat: 4 armed attackers, confirmed"
    assert task.facts == (Fact("armed_attackers", 4), Fact("confirmed"))


def test_a_group_of_unknown_size_still_needs_two_and_a_big_one_a_contact_team_of_four() -> None:
    fuser = Fuser()
    kit.group(fuser, "a", 0, 0, ["acct:cop1", "acct:cop2"], count=None)
    kit.group(fuser, "b", 2000, 0, ["acct:cop3", "acct:cop4"], count=20)
    small, big = sorted(kit.tracks(fuser), key=lambda t: t.lon)
    assert len(threat_task(small).needs) == 2
    assert threat_task(small).needs[0].why == "armed attackers, number unknown"
    assert threat_task(small).needs[0].fact == Fact("armed_attackers", None)
    assert threat_task(small).facts == (Fact("armed_attackers", None),)
    assert len(threat_task(big).needs) == 4


def test_uncorroborated_and_closed_tracks_send_nobody() -> None:
    fuser = Fuser()
    kit.group(fuser, "anon", 0, 0, ["anon:flood"] * 5, tier=SourceTier.ANONYMOUS)
    gone = kit.group(fuser, "b", 3000, 0, ["acct:cop1", "acct:cop2"])
    fuser.apply(NeutraliseAct(gone, at(30.0)))
    assert open_tasks([], kit.tracks(fuser)) == []


def test_a_stale_track_sends_nobody() -> None:
    fuser = Fuser()
    kit.group(fuser, "a", 0, 0, ["acct:cop1", "acct:cop2"])
    (track,) = fuser.tracks(T0 + timedelta(hours=1))
    assert track.status.value == "stale"
    assert open_tasks([], [track]) == []


def test_injured_people_near_attackers_need_an_armed_escort_first_then_medics() -> None:
    fuser = Fuser()
    kit.group(fuser, "a", 0, 0, ["acct:cop1", "acct:cop2", "acct:cop3"])
    tracks = kit.tracks(fuser)
    near = kit.sos("sos_near", 120, 0, injured=4, people=6)
    far = kit.sos("sos_far", 1500, 0, people=3)
    tasks = {t.task_id: t for t in open_tasks(kit.incidents([near, far], tracks), tracks)}
    assert [n.requires for n in tasks["sos_near"].needs] == [ARMED, MEDIC, MEDIC]
    assert tasks["sos_near"].needs[0].why.startswith("threat ")
    assert tasks["sos_near"].label == "SOS: 6 people, 4 injured"
    # The facts behind the words, for a console in another language.
    escort = tasks["sos_near"].needs[0]
    assert escort.fact is not None
    assert escort.fact.code == "threat_m"
    assert escort.why == f"threat {escort.fact.n} m away"
    assert tasks["sos_near"].needs[1].fact == Fact("injured", 4)
    assert tasks["sos_near"].facts == (Fact("people", 6), Fact("injured", 4))
    assert tasks["sos_far"].needs == (
        Need(frozenset(), "people calling for help", Fact("calling_for_help")),
    )
    assert tasks["sos_far"].facts == (Fact("people", 3),)


def test_assigned_responders_fill_needs_and_a_covered_task_leaves_the_board() -> None:
    needs = (Need(ARMED), Need(MEDIC), Need(MEDIC))
    assert still_needed(needs, [frozenset({Capability.MEDIC})]) == (Need(ARMED), Need(MEDIC))
    assert still_needed(needs, [frozenset({Capability.ARMED, Capability.VEHICLE})]) == (
        Need(MEDIC),
        Need(MEDIC),
    )
    assert still_needed((Need(),), [frozenset()]) == ()
    reports = [kit.sos("sos_a", 0, 0), kit.sos("sos_b", 900, 0, injured=1)]
    incidents = kit.incidents(reports, [])
    tasks = open_tasks(incidents, [], assigned={"sos_a": [frozenset()]})
    assert [t.task_id for t in tasks] == ["sos_b"]


def test_resolved_incidents_need_no_one() -> None:
    done = kit.sos("sos_done", 0, 0, injured=2, resolved=SosOutcome.RESCUED)
    assert open_tasks(kit.incidents([done], []), []) == []


def test_areas_declared_around_a_task_are_open_to_its_armed_responders() -> None:
    fuser = Fuser()
    track_id = kit.group(fuser, "a", 0, 0, ["acct:cop1", "acct:cop2"])
    tracks = kit.tracks(fuser)
    # Two calls from one flat: one incident, known by its first SOS.
    reports = [kit.sos("sos_1", 2000, 0), kit.sos("sos_2", 2010, 5, t=30.0)]
    links = [
        AreaLink("DA-1", track_id),
        AreaLink("DA-2", "sos_2"),
        AreaLink("DA-3", None),
        AreaLink("DA-4", "somewhere-else"),
    ]
    tasks = {t.task_id: t for t in open_tasks(kit.incidents(reports, tracks), tracks, areas=links)}
    assert tasks[track_id].open_areas == {"DA-1"}
    assert tasks["sos_1"].open_areas == {"DA-2"}


def test_tasks_come_most_urgent_first() -> None:
    fuser = Fuser()
    kit.group(fuser, "a", 0, 0, ["acct:cop1", "acct:cop2"])
    tracks = kit.tracks(fuser)
    reports = [kit.sos("sos_x", 3000, 0, injured=3), kit.sos("sos_y", 5000, 0)]
    tasks = open_tasks(kit.incidents(reports, tracks), tracks)
    assert [t.priority for t in tasks] == sorted((t.priority for t in tasks), reverse=True)
    assert tasks[0].kind is TaskKind.THREAT


def test_every_fact_behind_a_label_or_need_has_a_known_code_and_survives_assignment() -> None:
    fuser = Fuser()
    kit.group(fuser, "a", 0, 0, ["acct:cop1", "acct:cop2", "acct:cop3"], count=2)
    tracks = kit.tracks(fuser)
    calls = [
        picturekit.sos(
            "sos_a", 100, 0, 0.0, reporter="acc_a", injured=1, people=2, children=1, silent=True
        ),
        kit.sos("sos_b", 1500, 0, people=1),
    ]
    tasks = open_tasks(kit.incidents(calls, tracks), tracks, assigned={"sos_a": [MEDIC]})
    assert {t.task_id for t in tasks} == {"sos_a", "sos_b", tracks[0].track_id}
    codes = set()
    for task in tasks:
        assert task.facts, task.task_id
        codes |= {f.code for f in task.facts}
        for need in task.needs:
            assert need.fact is not None, (task.task_id, need)
            codes.add(need.fact.code)
    assert codes <= set(FACT_CODES)
    assert {"armed_attackers", "threat_m", "people", "injured", "children", "silent"} <= codes
    sos_a = next(t for t in tasks if t.task_id == "sos_a")
    # The medic assigned takes the injured's need; the facts of the label stay.
    assert [n.fact.code for n in sos_a.needs if n.fact is not None] == ["threat_m"]
    assert Fact("children", 1) in sos_a.facts
    assert Fact("silent") in sos_a.facts
