"""The needs policy: a contact team per threat, and an escort at the attackers' house on it."""

from __future__ import annotations

from magen.dispatch.tasks import ARMED, MEDIC, NeedsConfig, open_tasks, threat_task
from magen.domain.responders import Capability
from magen.picture.acts import ConfirmAct
from magen.picture.fusion import Fuser, TrackView
from magen.picture.incidents import Incident
from picture.picturekit import at
from support import taskkit as kit

OFFICER = frozenset({Capability.ARMED, Capability.VEHICLE})


def test_a_threat_asks_for_a_contact_team_of_four_however_many_attackers_are_reported() -> None:
    fuser = Fuser()
    kit.group(fuser, "a", 0, 0, ["acct:cop1", "acct:cop2"], count=20)
    kit.group(fuser, "b", 2000, 0, ["acct:cop3", "acct:cop4"], count=3)
    big, small = sorted(kit.tracks(fuser), key=lambda t: t.lon)
    assert NeedsConfig().max_armed == 4
    assert [n.requires for n in threat_task(big).needs] == [ARMED] * 4
    assert len(threat_task(small).needs) == 3
    # The reported size still ranks the threat: a bigger group is more urgent.
    assert threat_task(big).priority > threat_task(small).priority
    assert len(threat_task(big, NeedsConfig(max_armed=6)).needs) == 6


def _scene(call_x: float) -> tuple[str, list[TrackView], list[Incident]]:
    """Four attackers at the origin (confirmed), and a call with two hurt `call_x` m east."""
    fuser = Fuser()
    track_id = kit.group(fuser, "a", 0, 0, ["acct:cop1", "acct:cop2", "acct:cop3"], count=4)
    fuser.apply(ConfirmAct(track_id, at(35.0)))
    tracks = kit.tracks(fuser)
    return track_id, tracks, kit.incidents([kit.sos("sos_house", call_x, 0, injured=2)], tracks)


def test_the_escort_sent_to_the_attackers_house_counts_in_the_threats_contact_team() -> None:
    track_id, tracks, incidents = _scene(60)
    assigned = {track_id: [OFFICER], "sos_house": [OFFICER]}
    tasks = {t.task_id: t for t in open_tasks(incidents, tracks, assigned=assigned)}
    # Four attackers, a team of four: one sent to the threat, one escorting at the house.
    assert [n.requires for n in tasks[track_id].needs] == [ARMED, ARMED]
    # The call keeps its escort as a real assignment and asks only for its medic now.
    assert [n.requires for n in tasks["sos_house"].needs] == [MEDIC]


def test_an_escort_counts_for_the_threat_only_within_the_contact_distance_and_when_armed() -> None:
    cfg = NeedsConfig()
    assert cfg.escort_joins_contact_m == cfg.escort_within_m
    # Tightened to 100 m: a call 160 m off still needs its escort, who joins no team.
    near = NeedsConfig(escort_joins_contact_m=100.0)
    track_id, tracks, incidents = _scene(160)
    assert incidents[0].nearest_threat_m is not None
    assert 100.0 < incidents[0].nearest_threat_m <= cfg.escort_within_m
    assigned = {"sos_house": [OFFICER]}
    tasks = {t.task_id: t for t in open_tasks(incidents, tracks, assigned=assigned, config=near)}
    assert len(tasks[track_id].needs) == 4
    tasks = {t.task_id: t for t in open_tasks(incidents, tracks, assigned=assigned)}
    assert len(tasks[track_id].needs) == 3
    # A medic assigned to the house is no escort and joins no team.
    track_id, tracks, incidents = _scene(60)
    medic = {"sos_house": [frozenset({Capability.MEDIC})]}
    tasks = {t.task_id: t for t in open_tasks(incidents, tracks, assigned=medic)}
    assert len(tasks[track_id].needs) == 4
    assert [n.requires for n in tasks["sos_house"].needs] == [ARMED]
    # Two armed responders at one house are one escort (the other fills nothing there).
    two = {"sos_house": [OFFICER, OFFICER]}
    tasks = {t.task_id: t for t in open_tasks(incidents, tracks, assigned=two)}
    assert len(tasks[track_id].needs) == 3
    # With the policy off, the escort is the call's alone.
    off = NeedsConfig(escort_joins_contact_m=None)
    tasks = {t.task_id: t for t in open_tasks(incidents, tracks, assigned=assigned, config=off)}
    assert len(tasks[track_id].needs) == 4
