"""People at one place from several callers: the least there are and the most they say.

Callers from one flat describe the same people; neighbours in other flats of the building
describe other people. Nothing in an SOS tells the two apart, so an incident gives both: the
largest report (the least there are) and the reports of its different callers added up, each
caller's largest once (the most the callers say there are).
"""

from __future__ import annotations

from magen.app.picture_views import incident_view
from magen.domain.reports import Sos, SosOutcome
from magen.picture.incidents import Incident, build_incidents
from picture.picturekit import at, sos


def _one(reports: list[Sos], t: float = 600.0) -> Incident:
    incidents = build_incidents(reports, at(t))
    assert len(incidents) == 1, [i.sos_ids for i in incidents]
    return incidents[0]


def _counts(i: Incident) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    return (i.people, i.people_high), (i.injured, i.injured_high), (i.children, i.children_high)


def test_callers_from_other_flats_are_added_up_as_the_most_there_may_be() -> None:
    here = _one(
        [
            sos("a", 0.0, 0.0, 0.0, reporter="flat1", people=4, children=2),
            sos("b", 8.0, 3.0, 60.0, reporter="flat5", people=3, injured=1),
            sos("c", -5.0, 6.0, 120.0, reporter="flat9", people=2, injured=1, children=1),
        ]
    )
    # At least the largest report; at most every caller's own added up.
    assert _counts(here) == ((4, 9), (1, 2), (2, 3))


def test_one_caller_is_counted_once_however_many_calls() -> None:
    here = _one(
        [
            sos("a", 0.0, 0.0, 0.0, reporter="mother", people=3),
            sos("b", 2.0, 0.0, 90.0, reporter="mother", people=5, injured=1),  # again, more
            sos("c", 4.0, 0.0, 180.0),  # anonymous, from a device of its own
        ]
    )
    assert _counts(here) == ((5, 6), (1, 1), (0, 0))


def test_a_single_caller_has_no_range_and_a_resolved_call_leaves_the_sum() -> None:
    alone = _one([sos("a", 0.0, 0.0, 0.0, reporter="x", people=6, injured=2)])
    assert _counts(alone) == ((6, 6), (2, 2), (0, 0))
    here = _one(
        [
            sos("a", 0.0, 0.0, 0.0, reporter="x", people=2),
            # Marked a duplicate of the first by the dispatcher: no longer counted.
            sos(
                "b",
                3.0,
                0.0,
                60.0,
                reporter="y",
                people=2,
                resolved=SosOutcome.DUPLICATE,
                resolved_t=90.0,
            ),
            sos("c", 6.0, 0.0, 120.0, reporter="z", people=1),
        ]
    )
    assert here.open
    assert _counts(here) == ((2, 3), (0, 0), (0, 0))


def test_the_picture_gives_both_counts() -> None:
    here = _one(
        [
            sos("a", 0.0, 0.0, 0.0, reporter="flat1", people=4),
            sos("b", 8.0, 3.0, 60.0, reporter="flat5", people=3, injured=1),
        ]
    )
    view = incident_view(here)
    assert (view["people"], view["people_high"]) == (4, 7)
    assert (view["injured"], view["injured_high"]) == (1, 1)
    assert (view["children"], view["children_high"]) == (0, 0)
    assert view["callers"] == 2
