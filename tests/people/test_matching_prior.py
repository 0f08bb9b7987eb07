"""The prior of the published weights follows the populations linked; unnamed casualties who
fit a report point by point are proposed (audit 15, defect 3)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime

from magen.people.matching import DEFAULT_MODEL, PersonRecord, RecordKind, link_people
from magen.people.synth import generate

FOUND = datetime(2026, 11, 25, 12, 24, tzinfo=UTC)
BETHLEHEM_ROAD = (35.2217, 31.7584)


def _sarah() -> PersonRecord:
    return PersonRecord(
        "mis_sarah",
        RecordKind.MISSING,
        names=("שרה לוי", "Sarah Levi", "Сара Леви"),
        sex="female",
        age_min=34,
        age_max=34,
        hair="שחור ארוך",
        clothing="חולצה אדומה וג'ינס",
        marks="קעקוע פרפר ביד שמאל",
        lon=BETHLEHEM_ROAD[0],
        lat=BETHLEHEM_ROAD[1],
    )


def _unnamed_woman(age: tuple[float, float] | None = None) -> PersonRecord:
    return PersonRecord(
        "AUD-1",
        RecordKind.CASUALTY,
        sex="female",
        age_min=age[0] if age else None,
        age_max=age[1] if age else None,
        hair="שיער ארוך שחור",
        clothing="חולצה אדומה, ג'ינס כחול",
        marks="קעקוע פרפר על היד השמאלית",
        time=FOUND,
    )


def _unnamed_child() -> PersonRecord:
    """A JumpSTART child recorded with no name and no age."""
    return PersonRecord(
        "AUD-CHILD",
        RecordKind.CASUALTY,
        sex="male",
        hair="blond curly",
        clothing="blue pyjamas with stars",
        lon=35.2132,
        lat=31.7623,
        time=FOUND,
    )


def _six_year_old() -> PersonRecord:
    return PersonRecord(
        "mis_child",
        RecordKind.MISSING,
        names=("محمد أبو عمر", "Mohammed Abu Omar"),
        sex="male",
        age_min=6,
        age_max=6,
        hair="أشقر مجعد",
        clothing="بيجامة زرقاء مع نجوم",
        lon=BETHLEHEM_ROAD[0],
        lat=BETHLEHEM_ROAD[1],
    )


def _named_reports(n: int) -> list[PersonRecord]:
    """Other families' reports with names only, as most of a demo's are."""
    pop = generate(random.Random(5), missing_reports=n, records=1)
    return [replace(r, hair=None, clothing=None, marks=None) for r in pop.reports]


def _featureless_casualties(n: int) -> list[PersonRecord]:
    return [PersonRecord(f"SIM-{i}", RecordKind.CASUALTY, time=FOUND) for i in range(n)]


def _event() -> tuple[list[PersonRecord], list[PersonRecord]]:
    """A small event as the audit's demo had it: a dozen reports and casualties."""
    reports = [_sarah(), _six_year_old(), *_named_reports(9)]
    records = [_unnamed_woman(), _unnamed_child(), *_featureless_casualties(9)]
    return reports, records


def _links(reports: list[PersonRecord], records: list[PersonRecord]) -> dict[str, float]:
    people = link_people(reports, records, model=DEFAULT_MODEL)
    return {f"{c.a_id}|{c.b_id}": c.score for p in people.links for c in p.candidates}


def test_an_unnamed_casualty_who_fits_the_report_point_by_point_is_proposed() -> None:
    reports, records = _event()
    links = _links(reports, records)
    assert links.get("mis_sarah|AUD-1", 0.0) >= 0.9


def test_an_unnamed_child_with_no_age_is_compared_and_proposed() -> None:
    reports, records = _event()
    people = link_people(reports, records, model=DEFAULT_MODEL, min_score=0.0)
    scores = {(c.a_id, c.b_id): c.score for p in people.links for c in p.candidates}
    assert ("mis_child", "AUD-CHILD") in scores
    assert scores["mis_child", "AUD-CHILD"] >= 0.5


def test_an_age_agreeing_raises_the_unnamed_match() -> None:
    reports, records = _event()
    aged = [_unnamed_woman((30, 40)), *records[1:]]
    assert _links(reports, aged)["mis_sarah|AUD-1"] > _links(reports, records)["mis_sarah|AUD-1"]


def test_the_default_weights_prior_follows_the_populations_size() -> None:
    """Fellegi-Sunter's lambda (expected matches over all pairs) falls as the records grow."""
    priors = {}
    for reports, records in ((30, 15), (190, 120)):
        pop = generate(random.Random(3), missing_reports=reports, records=records)
        people = link_people(pop.reports, pop.records, model=DEFAULT_MODEL)
        prior = people.model.prior
        assert prior is not None
        true_share = len(pop.truth) / (reports * records)
        assert 0.8 * true_share <= prior <= 1.2 * true_share
        priors[reports] = prior
    assert priors[30] > 3 * priors[190]


def test_a_population_prior_links_more_of_a_small_event_than_a_fixed_one() -> None:
    pop = generate(random.Random(1), missing_reports=60, records=30)
    found = {}
    for name, model in (("fixed", replace(DEFAULT_MODEL, prior=1e-4)), ("own", DEFAULT_MODEL)):
        people = link_people(pop.reports, pop.records, model=model)
        links = {(c.a_id, c.b_id) for p in people.links for c in p.candidates}
        found[name] = (len(links & pop.truth), len(links - pop.truth))
    assert found["own"][0] > found["fixed"][0]
    assert found["own"][1] <= found["fixed"][1] + 1


def test_records_of_other_people_get_no_links_from_the_population_prior() -> None:
    reports = generate(random.Random(4), missing_reports=40, records=30).reports
    records = generate(random.Random(104), missing_reports=40, records=30).records
    people = link_people(reports, records, model=DEFAULT_MODEL)
    assert people.model.prior is not None
    assert people.model.prior < 1e-3
    assert len(people.links) <= 1


def test_a_given_prior_is_kept() -> None:
    reports, records = _event()
    people = link_people(reports, records, model=replace(DEFAULT_MODEL, prior=1e-4))
    assert people.model.prior == 1e-4
