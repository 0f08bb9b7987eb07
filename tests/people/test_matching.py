"""Identity matching: accuracy on a generated population, blocking, explanations, edge cases."""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from magen.people.matching import (
    COMPARISONS,
    DEFAULT_MODEL,
    Evidence,
    Linkage,
    MatchCandidate,
    PersonRecord,
    RecordKind,
    best_links,
    find_duplicates,
    fit_model,
    link,
    link_people,
    match,
)
from magen.people.synth import SynthPopulation, generate

T0 = datetime(2023, 10, 7, 4, 0, tzinfo=UTC)
OFAKIM = (34.6203, 31.3141)


def _f1(predicted: set[tuple[str, str]], truth: frozenset[tuple[str, str]]) -> float:
    correct = len(predicted & truth)
    if not correct:
        return 0.0
    precision, recall = correct / len(predicted), correct / len(truth)
    return 2 * precision * recall / (precision + recall)


@pytest.fixture(scope="module")
def population() -> SynthPopulation:
    return generate(random.Random(2), missing_reports=2000, records=500)


@pytest.fixture(scope="module")
def linkage(population: SynthPopulation) -> Linkage:
    return link(population.reports, population.records)


def test_links_a_generated_population(population: SynthPopulation, linkage: Linkage) -> None:
    links = {(c.a_id, c.b_id) for c in best_links(linkage.candidates)}
    assert _f1(links, population.truth) >= 0.9


def test_linking_people_beats_linking_reports_one_by_one(
    population: SynthPopulation, linkage: Linkage
) -> None:
    people = link_people(population.reports, population.records)
    links = [(c.a_id, c.b_id) for p in people.links for c in p.candidates]
    assert len(links) == len(set(links))
    reports = [a for a, _ in links]
    assert len(reports) == len(set(reports))  # a report is about one person
    assert len({p.record_id for p in people.links}) == len(people.links)
    per_report = {(c.a_id, c.b_id) for c in best_links(linkage.candidates)}
    assert _f1(set(links), population.truth) > _f1(per_report, population.truth)
    # A record holds one person: the reports linked to it are that person's reports.
    wrong = sum(len({population.person_of[r] for r in p.report_ids}) > 1 for p in people.links)
    assert wrong <= 0.03 * len(people.links)
    assert people.comparisons == linkage.comparisons
    for person in people.links:
        assert person.report_ids == tuple(c.a_id for c in person.candidates)
        assert all(
            c.b_id == person.record_id and c.score == person.score for c in person.candidates
        )
        assert person.score >= 0.5
        assert "likely the same person. For: " in person.candidates[0].explain()


def test_blocking_compares_a_small_share_of_pairs(
    population: SynthPopulation, linkage: Linkage
) -> None:
    all_pairs = len(population.reports) * len(population.records)
    assert linkage.comparisons < 0.01 * all_pairs
    assert sum(linkage.comparisons_by_rule.values()) >= linkage.comparisons
    assert set(linkage.comparisons_by_rule) == {
        "name pair",
        "birth date",
        "single name part",
        "description",
        "vague description",
    }


def test_candidates_are_sorted_and_above_the_threshold(linkage: Linkage) -> None:
    scores = [c.score for c in linkage.candidates]
    assert scores == sorted(scores, reverse=True)
    assert all(0.5 <= s <= 1.0 for s in scores)


def test_linking_is_deterministic(population: SynthPopulation, linkage: Linkage) -> None:
    again = link(population.reports, population.records)
    assert [(c.a_id, c.b_id, c.score) for c in again.candidates] == [
        (c.a_id, c.b_id, c.score) for c in linkage.candidates
    ]
    assert again.model == linkage.model


def test_fitted_model_is_sensible(linkage: Linkage) -> None:
    model = linkage.model
    weights = model.weights()
    names = [n for n, _ in COMPARISONS]
    name, sex, dob = (names.index(x) for x in ("name", "sex", "birth date"))
    assert 0 < model.prior < 0.01
    # Agreement counts for a match, disagreement against.
    assert weights[name, 8] > weights[name, 7] > 0 > weights[name, 0]
    assert weights[sex, 1] > 0 > weights[sex, 0]
    assert weights[dob, 3] > 5 > 0 > weights[dob, 0]


def test_finds_duplicate_reports(population: SynthPopulation) -> None:
    pairs = {tuple(sorted((c.a_id, c.b_id))) for c in find_duplicates(population.reports)}
    assert _f1({(a, b) for a, b in pairs}, population.duplicate_truth()) >= 0.9


def _report(rid: str, *names: str, **kw: object) -> PersonRecord:
    base: dict[str, object] = {
        "sex": "male",
        "lon": OFAKIM[0],
        "lat": OFAKIM[1],
        "time": T0,
    }
    return PersonRecord(id=rid, kind=RecordKind.MISSING, names=names, **{**base, **kw})  # type: ignore[arg-type]


def _found(rid: str, kind: RecordKind, *names: str, **kw: object) -> PersonRecord:
    base: dict[str, object] = {
        "sex": "male",
        "lon": OFAKIM[0] + 0.003,
        "lat": OFAKIM[1],
        "time": T0 + timedelta(hours=2),
    }
    return PersonRecord(id=rid, kind=kind, names=names, **{**base, **kw})  # type: ignore[arg-type]


def _crowd(n: int) -> list[PersonRecord]:
    """Unrelated reports, so the model has a population to estimate from."""
    pop = generate(random.Random(11), missing_reports=n, records=10)
    return list(pop.reports)


@pytest.fixture(scope="module")
def crowd() -> list[PersonRecord]:
    return _crowd(1500)


def _only(candidates: list[MatchCandidate], a_id: str) -> MatchCandidate:
    mine = [c for c in candidates if c.a_id == a_id]
    assert len(mine) == 1, mine
    return mine[0]


def _evidence_of(reports: list[PersonRecord], records: list[PersonRecord], field: str) -> Evidence:
    """The evidence on one field of the only candidate for report x1 among the records."""
    candidate = _only(match(reports, records, model=DEFAULT_MODEL, min_score=0.0), "x1")
    return next(e for e in candidate.evidence if e.field == field)


def test_matches_across_scripts_order_and_nickname(crowd: list[PersonRecord]) -> None:
    reports = [
        *crowd,
        _report("x-he", "יוסף אבוטבול", age_min=34, age_max=34),
        _report("x-ru", "Саша Розенблюм", age_min=52, age_max=52),
        _report("x-ar", "خالد أبو ربيعة", birth_date=date(1990, 5, 1)),
    ]
    records = [
        _found("s-he", RecordKind.SURVIVOR, "Aboutboul Yossef", age_min=34, age_max=34),
        _found("s-ru", RecordKind.SURVIVOR, "אלכסנדר רוזנבלום", age_min=52, age_max=52),
        _found("c-ar", RecordKind.CASUALTY, "Khaled Abu-Rabia", birth_date=date(1990, 5, 1)),
    ]
    candidates = match(reports, records)
    assert _only(candidates, "x-he").b_id == "s-he"
    assert _only(candidates, "x-ru").b_id == "s-ru"
    assert _only(candidates, "x-ar").b_id == "c-ar"
    he = _only(candidates, "x-he")
    name = next(e for e in he.evidence if e.field == "name")
    assert "swapped order" in name.finding
    assert name.weight > 0
    text = he.explain()
    assert text.startswith(("99.", f"{he.score:.0%}"))
    assert "likely the same person." in text
    assert "For: " in text
    assert "age: agrees" in text


def test_a_short_given_name_agrees_across_scripts(crowd: list[PersonRecord]) -> None:
    # Roi and Ali have one consonant each; written alike they agree, not merely resemble.
    reports = [*crowd, _report("x1", "Roee Abutbul"), _report("x2", "Ali Abu Rabia")]
    records = [
        _found("s1", RecordKind.SURVIVOR, "אבוטבול רועי"),
        _found("s2", RecordKind.SURVIVOR, "علي أبو ربيعة"),
    ]
    candidates = match(reports, records, min_score=0.0)
    for a_id in ("x1", "x2"):
        name = next(e for e in _only(candidates, a_id).evidence if e.field == "name")
        assert name.finding.startswith("two parts"), name.finding


def test_evidence_against_is_listed_as_against(crowd: list[PersonRecord]) -> None:
    reports = [*crowd, _report("x1", "Moshe Buzaglo", age_min=40, age_max=40, hair="black")]
    records = [
        _found("s1", RecordKind.SURVIVOR, "משה בוזגלו", age_min=40, age_max=40, hair="שיער אפור")
    ]
    candidate = _only(match(reports, records, min_score=0.0), "x1")
    against = [e for e in candidate.evidence if e.weight < 0]
    assert any(e.field == "hair" and "black vs grey" in e.finding for e in against)
    assert "Against: hair" in candidate.explain()


def test_a_casualty_found_before_being_last_seen_is_implausible(
    crowd: list[PersonRecord],
) -> None:
    late = T0 + timedelta(hours=6)
    reports = [*crowd, _report("x1", "Itamar Goldfeld", age_min=20, age_max=20, time=late)]
    records = [_found("c1", RecordKind.CASUALTY, "איתמר גולדפלד", age_min=15, age_max=25)]
    candidate = _only(match(reports, records, min_score=0.0), "x1")
    time = next(e for e in candidate.evidence if e.field == "time")
    assert time.finding == "implausible"
    assert time.weight < 0


def test_a_nameless_casualty_is_found_by_description(crowd: list[PersonRecord]) -> None:
    reports = [
        *crowd,
        _report(
            "x1",
            "Noa Weissblum",
            sex="female",
            age_min=27,
            age_max=27,
            hair="blond",
            build="slim",
            clothing="yellow dress, white sneakers",
            marks="tattoo on left arm, scar on face",
        ),
    ]
    records = [
        _found(
            "c1",
            RecordKind.CASUALTY,
            sex="female",
            age_min=22,
            age_max=32,
            hair="בלונדינית",
            build="רזה",
            clothing="שמלה צהובה, נעלי ספורט לבנות",
            marks="קעקוע בזרוע שמאל",
        )
    ]
    candidates = match(reports, records, min_score=0.0)
    candidate = _only(candidates, "x1")
    assert candidate is candidates[0]  # the best of every report for this casualty
    assert candidate.score > 0.9
    fields = {e.field for e in candidate.evidence}
    assert "name" not in fields
    assert {"clothing", "marks", "hair", "age"} <= fields
    clothing = next(e for e in candidate.evidence if e.field == "clothing")
    assert "yellow dress" in clothing.finding


def test_empty_and_tiny_inputs() -> None:
    assert match([], []) == []
    one = [_report("x1", "Dan Gal")]
    assert match(one, []) == []
    assert find_duplicates(one) == []
    # Too few pairs to fit: the default model still scores them.
    linkage = link(one, [_found("s1", RecordKind.SURVIVOR, "Dan Gal")], min_score=0.0)
    assert [c.b_id for c in linkage.candidates] == ["s1"]


def test_best_links_keeps_one_candidate_per_report() -> None:
    def cand(a: str, b: str, score: float) -> MatchCandidate:
        return MatchCandidate(a, b, score, 0.0, ())

    best = best_links([cand("r1", "b2", 0.7), cand("r1", "b1", 0.9), cand("r2", "b1", 0.6)])
    assert [(c.a_id, c.b_id) for c in best] == [("r1", "b1"), ("r2", "b1")]


def test_fit_model_and_reuse(population: SynthPopulation) -> None:
    model = fit_model(population.reports[:500], population.records)
    assert model != DEFAULT_MODEL
    again = link(population.reports[:50], population.records, model=model)
    assert again.model is model


def test_stated_ages_far_apart_count_against(crowd: list[PersonRecord]) -> None:
    reports = [
        *crowd,
        _report("x1", "Gennady Borisov", age_min=14, age_max=14),
        # No time: the age is taken from the birth date on the incident's day.
        _report("x2", "Rami Haddad", birth_date=date(2009, 3, 1), time=None),
    ]
    records = [
        _found("s1", RecordKind.SURVIVOR, "גנאדי בוריסוב", age_min=19, age_max=19),
        _found("c1", RecordKind.CASUALTY, "Rami Haddad", age_min=70, age_max=80),
    ]
    candidates = match(reports, records, min_score=0.0)
    age = next(e for e in _only(candidates, "x1").evidence if e.field == "age")
    assert age.finding.startswith("stated ages over 3 years apart")
    assert age.weight < -3
    far = next(e for e in _only(candidates, "x2").evidence if e.field == "age")
    assert far.finding.startswith("far apart, even for an estimate")
    assert far.weight < 0


def test_a_misspelled_name_part_is_named_as_such(crowd: list[PersonRecord]) -> None:
    reports = [*crowd, _report("x1", "יוסף בירנבאום", age_min=40, age_max=40)]
    records = [_found("c1", RecordKind.CASUALTY, "יוסף בירנבאוס", age_min=35, age_max=45)]
    candidate = _only(match(reports, records, min_score=0.0), "x1")
    name = next(e for e in candidate.evidence if e.field == "name")
    assert name.finding.startswith("one part agrees, another is misspelled"), name.finding
    assert "(misspelled)" in name.finding
    assert name.weight > 0


def test_a_record_is_linked_to_one_person_not_a_namesake(crowd: list[PersonRecord]) -> None:
    # Two men called Eyal Mizrahi are missing, born 25 years apart; the survivor gave no
    # age, and his red hair is what tells him apart.
    reports = [
        *crowd,
        _report("x-85", "Eyal Mizrahi", birth_date=date(1985, 3, 2), hair="red"),
        _report("x-60", "Eyal Mizrahi", birth_date=date(1960, 11, 20)),
    ]
    records = [_found("s1", RecordKind.SURVIVOR, "Eyal Mizrahi", hair="ginger")]
    alone = {c.a_id for c in match(reports, records, min_score=0.1) if c.b_id == "s1"}
    assert {"x-85", "x-60"} <= alone  # report by report, both would take him
    people = link_people(reports, records, min_score=0.1)
    linked = {c.a_id: c.b_id for p in people.links for c in p.candidates}
    assert linked.get("x-85") == "s1"
    assert "x-60" not in linked


def test_duplicate_reports_pool_their_evidence(crowd: list[PersonRecord]) -> None:
    # One relative gives the birth date and a spelling, another the full name and a
    # description; the casualty record has the name in Hebrew and the birth date.
    reports = [
        *crowd,
        _report("x1", "Shira Katzenelson", sex="female", birth_date=date(1992, 8, 14)),
        _report(
            "x2",
            "שירה קצנלסון",
            sex="female",
            birth_date=date(1992, 8, 14),
            hair="red",
            clothing="green jacket",
        ),
    ]
    records = [
        _found(
            "c1",
            RecordKind.CASUALTY,
            "קצנלסון שירה",
            sex="female",
            birth_date=date(1992, 8, 14),
            hair="ג'ינג'י",
        )
    ]
    people = link_people(reports, records)
    person = next(p for p in people.links if p.record_id == "c1")
    assert set(person.report_ids) == {"x1", "x2"}
    second = person.candidates[1]
    note = next(e for e in second.evidence if e.field == "duplicate report")
    assert note.finding == f"the same person as report {person.report_ids[0]}"
    assert "duplicate report: the same person as report" in second.explain()
    # What the second report's link borrows from the first is said to come from there.
    borrowed = [e for e in second.evidence if f"(in report {person.report_ids[0]})" in e.finding]
    assert any(e.field == "name" for e in borrowed)
    fields = {e.field for e in person.candidates[0].evidence}
    assert {"name", "birth date", "hair"} <= fields


def test_link_people_with_nothing_to_link() -> None:
    assert link_people([], []).links == []
    one = [_report("x1", "Dan Gal")]
    assert link_people(one, []).links == []
    people = link_people(one, [_found("s1", RecordKind.SURVIVOR, "Dan Gal")], min_score=0.0)
    assert [(p.record_id, p.report_ids) for p in people.links] == [("s1", ("x1",))]


def test_linking_leaves_the_garbage_collector_as_it_found_it() -> None:
    import gc

    records = [_found("s1", RecordKind.SURVIVOR, "Dan Gal")]
    assert gc.isenabled()
    link_people([_report("x1", "Dan Gal")], records)
    assert gc.isenabled()
    gc.disable()
    try:
        link([_report("x1", "Dan Gal")], records)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_threads_compare_chunks_to_the_same_links(
    population: SynthPopulation, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small chunks so that the candidate pairs span many, compared on two threads at once.
    from magen.people.matching import levels, name_parts

    for chunked in (levels, name_parts):  # each reads `_CHUNK` as its own
        monkeypatch.setattr(chunked, "_CHUNK", 100)
    reports, records = population.reports, population.records

    def links(workers: int) -> list[tuple[str, str, float, float, str]]:
        people = link_people(reports, records, workers=workers)
        assert people.comparisons > 10 * levels._CHUNK
        return [
            (c.a_id, c.b_id, c.score, c.weight, c.explain())
            for person in people.links
            for c in person.candidates
        ]

    alone = links(1)
    assert alone
    assert links(2) == alone
    assert links(4) == alone


def test_part_pairs_compared_as_arrays_as_one_by_one(population: SynthPopulation) -> None:
    # The array comparison of name parts (integer key ids) against the set-by-set one.
    import numpy as np

    from magen.people.matching.name_parts import _STRONG, _Members
    from magen.people.matching.pipeline import _run

    run = _run(population.reports, population.records, None, workers=1)
    parts = run.parts
    rng = np.random.default_rng(5)
    n = len(parts.sets)
    xs, ys = rng.integers(0, n, 20_000), rng.integers(0, n, 20_000)
    # Random pairs rarely agree: add every part against itself and its candidates' parts.
    rows_a, rows_b = run.a.parts[run.ia].ravel(), run.b.parts[run.ib].ravel()
    held = (rows_a >= 0) & (rows_b >= 0)
    xs = np.concatenate([xs, np.arange(n), rows_a[held]])
    ys = np.concatenate([ys, np.arange(n), rows_b[held]])
    members = _Members.of(parts.numbered, parts.tf, parts.tf_mean)
    codes, adjust = members.codes(xs, ys)
    pairs = list(zip(xs.tolist(), ys.tolist(), strict=True))
    assert codes.tolist() == [parts.sets[x].code(parts.sets[y]) for x, y in pairs]
    assert len(set(codes.tolist())) == 4
    expected = [
        _adjustment(parts, x, y) if c >= _STRONG else 0.0
        for x, y, c in zip(xs.tolist(), ys.tolist(), codes.tolist(), strict=True)
    ]
    assert adjust.tolist() == expected
    assert np.count_nonzero(adjust) > 100


def test_name_rarity_is_the_adjustment_of_the_agreeing_part_pairs_picked(
    population: SynthPopulation,
) -> None:
    # Each pair's rarity sums the adjustments of its picked part pairs that agree, read
    # from the cells held (one per distinct part pair): here against the definition.
    import numpy as np

    from magen.people.matching.model import _NAME, _NULL
    from magen.people.matching.name_parts import _MAX_PARTS, _STRONG
    from magen.people.matching.pipeline import _run

    run = _run(population.reports, population.records, None, workers=1)
    detail, parts, size = run.detail, run.parts, _MAX_PARTS
    named = np.flatnonzero(run.levels[:, _NAME] != _NULL)
    checked = 0
    for k in named.tolist():
        row_a, row_b = run.a.parts[run.ia[k]], run.b.parts[run.ib[k]]
        expected = 0.0
        picks = (detail.first[k], detail.second[k], detail.third[k])
        for flat, code in zip(picks, detail.codes[k].tolist(), strict=True):
            if code >= _STRONG:
                pa, pb = int(row_a[flat // size]), int(row_b[flat % size])
                expected += _adjustment(parts, pa, pb)
                checked += 1
        assert detail.rarity[k] == expected
    assert checked > 100
    assert np.count_nonzero(detail.rarity) > 100


def _adjustment(parts: Any, a: int, b: int) -> float:
    """The rarity adjustment of one agreeing part pair, set by set: the definition
    `_Members.codes` computes for many pairs at once."""
    from magen.people.matching.name_parts import _TF_CAP

    def share(key: str) -> float:  # of records carrying an agreement key, 0 if none
        k = parts.numbered.vocab.get(key)
        return float(parts.tf[k]) if k is not None and k < len(parts.tf) else 0.0

    x, y = parts.sets[a], parts.sets[b]
    # The most specific agreement decides: a shared spelling, else the commonest key.
    spelled = x.exact & y.exact
    if spelled:
        tf, mean = min(share(k) for k in spelled), parts.tf_mean[0]
    else:
        shared = x.agree & y.agree
        if not shared:
            return 0.0
        tf, mean = max(share(k) for k in shared), parts.tf_mean[1]
    if tf <= 0 or mean <= 0:
        return 0.0
    return float(max(-_TF_CAP, min(_TF_CAP, math.log2(mean / tf))))


def test_a_records_lone_candidate_is_likelier_than_one_of_several() -> None:
    from dataclasses import replace
    from types import SimpleNamespace
    from typing import Any, cast

    import numpy as np

    from magen.people.matching import DEFAULT_MODEL
    from magen.people.matching.persons import _lone_candidates

    # 1,000 reports at a prior of 1e-3: a record matches one report on average; its
    # candidates' probabilities (1/3; 1/3 and 8/9) sum to 14/9 over the likeliest ones' 11/9,
    # so a matched record has 14/11 reports and a record has a report with probability 11/14.
    run = cast(
        Any,
        SimpleNamespace(
            ib=np.array([0, 1, 1]),
            a=SimpleNamespace(records=[None] * 1000),
            b=SimpleNamespace(records=[None, None]),
        ),
    )
    total = np.array([-1.0, -1.0, 3.0])  # log2 odds: two pairs below even, one likely
    out = _lone_candidates(run, total, replace(DEFAULT_MODEL, prior=1e-3))
    assert out[0] == pytest.approx(np.log2(0.5 / (3 / 14)))  # alone: raised above even
    assert out[1] == -1.0  # the same odds beside a likely competitor: not raised
    assert out[2] > 3.0  # the likely one, raised a little by its weak competitor


def test_em_does_not_learn_that_one_persons_names_share_no_part() -> None:
    import numpy as np

    from magen.people.matching.fitting import _em
    from magen.people.matching.model import _NAME, _NULL, _PLACE, _SEX, _TIME

    # Pairs blocked on a birth date: 1,000 of one person (names agree) and 3,000 birthday
    # twins sharing no name part, a third of them found near where the other was last seen.
    levels = np.full((4000, len(COMPARISONS)), _NULL, dtype=np.int8)
    levels[:, _SEX] = 1
    levels[:, _TIME] = 2
    levels[:1000, _NAME] = 9
    levels[:1000, _PLACE] = 11
    levels[1000:, _NAME] = 0
    levels[1000:2000, _PLACE] = 11
    levels[2000:, _PLACE] = 1
    m, _ = _em(levels, DEFAULT_MODEL.m, DEFAULT_MODEL.u, 0.3, fit_m=True)
    # EM alone would take the near twins for matches and learn that a third of one person's
    # records share no name part; the level is held at the starting model's.
    assert m[_NAME][0] == DEFAULT_MODEL.m[_NAME][0]
    assert math.fsum(m[_NAME]) == pytest.approx(1.0)
    assert m[_NAME][9] > 0.9


def test_a_person_with_several_reports_is_one_match_of_a_record() -> None:
    import numpy as np

    from magen.people.matching.persons import _reports_per_match

    # Two records, each with two near-certain reports (one person's) and a long shot: a
    # matched record has two reports, not two persons.
    records = np.array([0, 0, 0, 1, 1, 1])
    odds = np.array([1e6, 1e6, 1e-6, 1e6, 1e6, 1e-6])
    assert _reports_per_match(records, odds, 3) == pytest.approx(2.0)
    assert _reports_per_match(records, np.zeros(6), 3) == 1.0  # nothing likely


def test_a_lone_candidates_link_says_so() -> None:
    pop = generate(random.Random(11), missing_reports=600, records=150)
    people = link_people(pop.reports, pop.records)
    said = [
        e
        for link in people.links
        for c in link.candidates
        for e in c.evidence
        if e.field == "record"
    ]
    assert said
    assert all(e.weight > 0 for e in said)


@pytest.mark.parametrize("parts", [3, 50, 70_000, 2**26])  # the last: too many to pack
def test_cells_are_the_distinct_part_pairs_and_each_cells_place_among_them(parts: int) -> None:
    import numpy as np

    from magen.people.matching.name_parts import _PAIR_SHIFT, _Cells

    rng = np.random.default_rng(parts)
    rows_a = rng.integers(-1, parts, size=(500, 4))
    rows_b = rng.integers(-1, parts, size=(500, 4))
    cells = _Cells.of(rows_a, rows_b)
    valid = (rows_a >= 0)[:, :, None] & (rows_b >= 0)[:, None, :]
    pairs = ((rows_a << _PAIR_SHIFT)[:, :, None] | rows_b[:, None, :])[valid]
    unique, inverse = np.unique(pairs, return_inverse=True)
    assert np.array_equal(cells.valid, valid)
    assert np.array_equal(cells.unique, unique)
    assert np.array_equal(cells.inverse, inverse.ravel())
    assert np.array_equal(cells.unique[cells.inverse], pairs)
    empty = _Cells.of(np.full((2, 4), -1), rows_b[:2])
    assert len(empty.unique) == 0
    assert len(empty.inverse) == 0


def _shift_km(point: tuple[float, float], east: float, north: float) -> tuple[float, float]:
    lon, lat = point
    return (lon + east / (111.32 * math.cos(math.radians(lat))), lat + north / 110.574)


def _sheltered(rid: str, shelter: tuple[float, float], *names: str) -> PersonRecord:
    return _found(
        rid,
        RecordKind.SURVIVOR,
        *names,
        lon=shelter[0],
        lat=shelter[1],
        time=T0 + timedelta(hours=5),
    )


def test_a_survivor_at_the_shelter_nearest_where_last_seen_is_evidence(
    crowd: list[PersonRecord],
) -> None:
    # Six shelters, each where several survivors checked in, 1.2 to 1.7 km from where Moshe
    # was last seen. People walk to one of the shelters near them, so checking in at one of
    # the nearest says more than its distance, and at the fifth nearest counts against.
    seen = _shift_km(OFAKIM, 0.0, 0.0)
    # East and north by turns, 100 m further each.
    away = [1.2 + 0.1 * k for k in range(6)]
    shelters = [_shift_km(seen, *((0.0, d) if k % 2 else (d, 0.0))) for k, d in enumerate(away)]
    names = ("Dana Levi", "Omer Cohen", "Noa Peretz", "Lior Biton", "Tal Ohana")
    others = [
        _sheltered(f"o{i}-{k}", shelter, name)
        for k, shelter in enumerate(shelters)
        for i, name in enumerate(names)
    ]
    reports = [*crowd, _report("x1", "Moshe Abutbul", lon=seen[0], lat=seen[1])]
    found = {}
    for k in (0, 1, 3, 4):
        record = _sheltered(f"s{k}", shelters[k], "Moshe Abutbul")
        found[k] = _evidence_of(reports, [*others, record], "place")
    assert found[0].finding.startswith("at the shelter nearest")
    assert found[1].finding.startswith("at one of the three shelters nearest")
    assert found[3].finding.startswith("at the fourth-nearest shelter")
    assert found[4].finding.startswith("at a shelter farther than the four nearest")
    assert found[0].weight > 0
    assert found[1].weight > 0
    assert found[1].weight > found[3].weight > found[4].weight
    assert found[4].weight < -3


def test_a_casualty_found_kilometres_from_where_last_seen_counts_against(
    crowd: list[PersonRecord],
) -> None:
    # A casualty is found within a kilometre or so of where last seen, rarely further.
    reports = [*crowd, _report("x1", "Moshe Abutbul")]
    found = {}
    for km in (0.15, 1.2, 1.7, 2.5):
        lon, lat = _shift_km(OFAKIM, km, 0.0)
        record = _found("c1", RecordKind.CASUALTY, "משה אבוטבול", lon=lon, lat=lat)
        found[km] = _evidence_of(reports, [record], "place")
    assert found[0.15].finding.startswith("within 200 m")
    assert found[1.2].finding.startswith("1-1.5 km apart")
    assert found[1.7].finding.startswith("1.5-2 km apart")
    assert found[2.5].finding.startswith("2-3 km apart")
    assert found[0.15].weight > 0
    assert found[0.15].weight > found[1.2].weight > found[1.7].weight > found[2.5].weight
    assert found[1.7].weight < -1


def test_how_soon_a_casualty_was_found_after_last_seen_is_evidence(
    crowd: list[PersonRecord],
) -> None:
    reports = [*crowd, _report("x1", "Moshe Abutbul")]
    found = {}
    for hours in (2, 4, 9):
        record = _found("c1", RecordKind.CASUALTY, "משה אבוטבול", time=T0 + timedelta(hours=hours))
        found[hours] = _evidence_of(reports, [record], "time")
    assert found[2].finding == "found within 6 hours of last seen"
    assert found[4].finding == "found within 6 hours of last seen"
    assert found[9].finding == "found over 6 hours after last seen"
    assert found[9].weight < found[2].weight
    # A casualty taken to a hospital out of town is found there hours later.
    hospital = _found(
        "c2",
        RecordKind.CASUALTY,
        "משה אבוטבול",
        time=T0 + timedelta(hours=9),
        lon=34.8011,
        lat=31.2585,
    )
    assert _evidence_of(reports, [hospital], "time").finding == "plausible"
    # A survivor's check-in time says little: any time after being last seen is plausible.
    survivor = _found("s1", RecordKind.SURVIVOR, "משה אבוטבול", time=T0 + timedelta(hours=2))
    assert _evidence_of(reports, [survivor], "time").finding == "plausible"


def test_misspellings_are_found_wherever_the_slip_is() -> None:
    # Pairs are measured only if they keep the length within one and the first or last
    # letter: a slip at either end, a swap of the first two letters, a letter added in
    # front, in three scripts, must all still be found, and exactly as a full search finds.
    from itertools import product

    import numpy as np
    from rapidfuzz.distance import OSA

    from magen.people.matching.name_parts import _SCRIPTS, _TYPO, _PartTable
    from magen.people.names import token

    words = [
        *("בירנבאום", "בירנבאוס", "כירנבאום", "יבְרנבאום", "ריבנבאום", "בירנבאומ"),
        *("Birnbaum", "Birnbaun", "Xirnbaum", "iBrnbaum", "ABirnbaum", "Birnbau", "Brinbaum"),
        *("Levinson", "Lewinsohn", "Levy", "Noa", "Noaa"),
        *("الحسيني", "لحسيني", "الحسينى", "والحسيني", "قاسم"),
    ]
    parts = _PartTable()
    ids = [parts.intern((token(w),)) for w in words]
    parts.members()
    pairs = np.asarray(list(product(ids, ids)), dtype=np.int64)
    codes = np.zeros(len(pairs), dtype=np.int64)
    parts._misspelled(pairs[:, 0], pairs[:, 1], codes)
    expected = [
        _TYPO
        if any(
            parts.spelled[s][x]
            and parts.spelled[s][y]
            and OSA.distance(parts.spelled[s][x], parts.spelled[s][y]) <= 1
            for s in _SCRIPTS
        )
        else 0
        for x, y in pairs.tolist()
    ]
    assert codes.tolist() == expected
    assert sum(c == _TYPO for c in expected) > 2 * len(set(ids))  # slips found, not only equals


def test_a_slip_in_a_short_name_still_makes_a_candidate(crowd: list[PersonRecord]) -> None:
    # Ihor and Igor, מאיר and מאיד (Meir, Meid) share no consonant key, and a one-letter
    # slip in a name of two consonants has no typo key: with the other part spelled the
    # same, the pair is still compared, and read as one part agreeing, another misspelled.
    reports = [
        *crowd,
        _report("x1", "Ihor Stepanov", age_min=40, age_max=40),
        _report("x2", "מאיר לוי", age_min=61, age_max=61),
    ]
    records = [
        _found("s1", RecordKind.SURVIVOR, "Stepanov Igor", age_min=40, age_max=40),
        _found("c2", RecordKind.CASUALTY, "לוי מאיד", age_min=55, age_max=65),
    ]
    candidates = match(reports, records, min_score=0.0)
    for report, record in (("x1", "s1"), ("x2", "c2")):
        candidate = _only(candidates, report)
        assert candidate.b_id == record
        name = next(e for e in candidate.evidence if e.field == "name")
        assert name.finding.startswith("one part agrees, another is misspelled"), name.finding


def test_slip_keys_meet_wherever_one_part_is_spelled_alike_and_another_misspelled() -> None:
    # Every two-part name against every other: a pair whose names have one part spelled
    # alike and another a slip apart (as `_misspelled` reads a slip: in one script, words of
    # four letters or more) is a candidate, wherever the slip is and whichever part agrees.
    from itertools import product

    from rapidfuzz.distance import OSA

    from magen.people.matching.name_parts import _MIN_TYPO_LENGTH
    from magen.people.matching.pipeline import _run
    from magen.people.names import tokens

    # Names are written in one script, each in its own.
    by_script = (
        (("Ihor", "Igor", "Iogr", "Noa", "Ihorr"), ("Stepanov", "Stepanow", "Stepnaov", "Lev")),
        (("מאיר", "מאיד", "אמיר", "נועה"), ("לוי", "שפירא", "שפידא", "שפירה", "שפירו")),
        (("فادي", "هادي", "فاي"), ("حسيني", "حسين", "الحسيني", "قاسم")),
    )
    names = [f"{x} {y}" for firsts, lasts in by_script for x, y in product(firsts, lasts)]
    a = [PersonRecord(id=f"a{i}", kind=RecordKind.MISSING, names=(n,)) for i, n in enumerate(names)]
    b = [  # the other side gives the family name first
        PersonRecord(id=f"b{i}", kind=RecordKind.SURVIVOR, names=(" ".join(n.split()[::-1]),))
        for i, n in enumerate(names)
    ]
    run = _run(a, b, None)
    found = set(zip(run.ia.tolist(), run.ib.tolist(), strict=True))

    def slip(x: str, y: str) -> bool:
        tx, ty = tokens(x)[0], tokens(y)[0]
        return (
            tx.script == ty.script
            and min(len(tx.spelling), len(ty.spelling)) >= _MIN_TYPO_LENGTH
            and OSA.distance(tx.spelling, ty.spelling) <= 1
        )

    def alike(x: str, y: str) -> bool:
        return tokens(x)[0].spelling == tokens(y)[0].spelling

    expected = {
        (i, j)
        for i, j in product(range(len(names)), repeat=2)
        for (f1, l1), (f2, l2) in [(names[i].split(), names[j].split())]
        if (alike(f1, f2) and slip(l1, l2)) or (alike(l1, l2) and slip(f1, f2))
    }
    assert len(expected) > 2 * len(names)
    assert expected <= found


def test_the_slips_kept_meet_exactly_where_all_slips_meet() -> None:
    # Each word keeps only itself and the slips another word gives too: two words share a
    # kept slip exactly when they share any slip (equal, or a letter apart).
    from itertools import product

    from magen.people.matching.blocking import _meeting_slips, _slips

    rng = random.Random(3)
    words = list(
        dict.fromkeys(
            [
                *("anna", "ana", "anan", "nana", "igor", "ihor", "iogr", "igorr"),
                *("".join(rng.choice("abn") for _ in range(rng.randint(1, 5))) for _ in range(200)),
            ]
        )
    )
    size, starts, ids = _meeting_slips(words)
    kept = [set(ids[starts[w] : starts[w + 1]].tolist()) for w in range(len(words))]
    assert sum(map(len, kept)) < sum(len(set(_slips(w))) for w in words)
    assert size == len(set().union(*kept))
    for x, y in product(range(len(words)), repeat=2):
        meets = bool(set(_slips(words[x])) & set(_slips(words[y])))
        assert bool(kept[x] & kept[y]) == meets, (words[x], words[y])


def test_a_join_finds_every_pair_of_rows_sharing_a_key() -> None:
    # Many more keys on one side than the other: most are ruled out by their hashes first.
    import numpy as np

    from magen.people.matching.blocking import _join

    rng = np.random.default_rng(5)
    for a_size, b_size, spread in ((5000, 40, 10**6), (300, 300, 50), (40, 5000, 10**3)):
        a_keys = rng.integers(0, spread, a_size)
        b_keys = rng.integers(0, spread, b_size)
        a_keys[:10] = b_keys[:10]
        pairs = _join(a_keys, np.arange(a_size), b_keys, np.arange(b_size))
        expected = {
            (i, j)
            for i, k in enumerate(a_keys.tolist())
            for j, m in enumerate(b_keys.tolist())
            if k == m
        }
        found = list(zip(pairs[0].tolist(), pairs[1].tolist(), strict=True))
        assert len(found) == len(expected) >= 10
        assert set(found) == expected
