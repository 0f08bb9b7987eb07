"""Link missing-person reports to casualty and survivor records: Magen against splink.

A seeded synthetic population (`magen.people.synth`) gives reports and records with the
ground truth. Both engines see the same records. Magen gets them as they are; splink gets
what a careful splink user would prepare: names romanised with anyascii and split into
forename and surname (a Latin rendering preferred when the record has one), sex, age,
birth date, place, and the description reduced to the same vocabulary terms Magen uses.
Splink is configured the idiomatic way: blocking rules on names and birth date, forename/
surname comparison with term-frequency adjustment, u by random sampling, m by EM, DuckDB.

Splink keeps, for each report, its most likely record at or above the probability
threshold. Magen links person by person (`link_people`): reports that are one person's
duplicates are pooled, and each record, being one person, takes one person's reports, the
likeliest first, at or above the same threshold. Both are scored on the same (report,
record) truth and timed from records in memory to links out (model estimation included).

    .venv/bin/python bench/matching.py                       # 100,000 x 20,000
    .venv/bin/python bench/matching.py --missing 5000 --records 1000
    .venv/bin/python bench/matching.py --ceiling --no-splink # how far the evidence goes

`--ceiling` measures what the evidence allows at all: over Magen's candidate pairs, the
pairs with one comparison vector (every level, and the name rarity to the nearest bit) are
pooled and each pool is called a match if most of its pairs truly are; each report then
keeps its likeliest such pair. That is the best any scorer of these comparisons can do
(better, in fact: it is fitted on the truth it is scored on), so an F1 above it needs more
evidence than the comparisons hold, not a better model.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from anyascii import anyascii

from magen.people.descriptions import describe
from magen.people.matching import PersonRecord, link_people
from magen.people.names import script_of
from magen.people.synth import SynthPopulation, generate


@dataclass(frozen=True)
class Score:
    """Precision, recall and F1 of predicted links against the truth."""

    precision: float
    recall: float
    f1: float
    predicted: int
    correct: int


def score(predicted: Iterable[tuple[str, str]], truth: frozenset[tuple[str, str]]) -> Score:
    """Compare predicted (report, record) links with the true ones."""
    links = set(predicted)
    correct = len(links & truth)
    precision = correct / len(links) if links else 0.0
    recall = correct / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if correct else 0.0
    return Score(precision, recall, f1, len(links), correct)


def best_per_report(pairs: Iterable[tuple[str, str, float]]) -> list[tuple[str, str]]:
    """Each report's most likely record (ties to the smaller record id)."""
    best: dict[str, tuple[float, str]] = {}
    for a, b, p in pairs:
        held = best.get(a)
        if held is None or (p, held[1]) > (held[0], b):
            best[a] = (p, b)
    return [(a, b) for a, (_, b) in best.items()]


@dataclass(frozen=True)
class Run:
    """One engine's links with the wall and CPU seconds (all threads) it took."""

    links: list[tuple[str, str]]
    seconds: float
    cpu_seconds: float
    pairs: int


def ceiling(pop: SynthPopulation) -> tuple[Score, float]:
    """The best score of a scorer that knows each comparison vector's true match rate (each
    report keeps its likeliest pair, at the threshold best for F1), and the share of true
    pairs that blocking lets through at all."""
    import numpy as np

    # The engine's candidate pairs and their comparison levels (internal, for this bench).
    from magen.people.matching.pipeline import _run

    run = _run(pop.reports, pop.records, None)
    report_person = np.asarray([pop.person_of[r.id] for r in pop.reports])
    record_person = np.asarray([pop.person_of[r.id] for r in pop.records])
    true = report_person[run.ia] == record_person[run.ib]
    rarity = np.rint(np.clip(run.detail.rarity, -10, 10)).astype(np.int64)
    _, pattern = np.unique(np.column_stack((run.levels, rarity)), axis=0, return_inverse=True)
    pattern = pattern.ravel()
    rate = (np.bincount(pattern, weights=true) / np.bincount(pattern))[pattern]
    # Each report's likeliest pair, likeliest first; then the best place to stop.
    order = np.lexsort((run.ib, -rate, run.ia))
    first = order[np.r_[True, run.ia[order][1:] != run.ia[order][:-1]]]
    first = first[np.argsort(-rate[first], kind="stable")]
    hits = np.cumsum(true[first])
    f1 = 2 * hits / (np.arange(1, len(first) + 1) + len(pop.truth))
    stop = int(np.argmax(f1)) + 1
    links = [(pop.reports[int(run.ia[k])].id, pop.records[int(run.ib[k])].id) for k in first[:stop]]
    return score(links, pop.truth), float(true.sum()) / max(len(pop.truth), 1)


def run_magen(pop: SynthPopulation, threshold: float) -> Run:
    """Link with Magen."""
    start, cpu = time.perf_counter(), time.process_time()
    people = link_people(pop.reports, pop.records, min_score=threshold)
    links = [(c.a_id, c.b_id) for person in people.links for c in person.candidates]
    return Run(links, time.perf_counter() - start, time.process_time() - cpu, people.comparisons)


def _splink_name(record: PersonRecord) -> tuple[str | None, str | None]:
    if not record.names:
        return None, None
    latin = [n for n in record.names if all(script_of(w) == "other" for w in n.split())]
    words = anyascii(latin[0] if latin else record.names[0]).lower().replace("-", " ").split()
    words = ["".join(ch for ch in w if ch.isalpha()) for w in words]
    words = [w for w in words if w]
    if not words:
        return None, None
    return words[0], " ".join(words[1:]) or None


def _splink_rows(records: Sequence[PersonRecord]) -> dict[str, list[object]]:
    cols: dict[str, list[object]] = {
        k: []
        for k in (
            "unique_id",
            "first_name",
            "surname",
            "sex",
            "age",
            "dob",
            "hair",
            "build",
            "clothing",
            "marks",
            "lat",
            "lng",
        )
    }
    for r in records:
        first, surname = _splink_name(r)
        d = describe(r.hair, r.build, r.clothing, r.marks)
        age = None
        if r.age_min is not None or r.age_max is not None:
            lo = r.age_min if r.age_min is not None else r.age_max
            hi = r.age_max if r.age_max is not None else r.age_min
            age = (float(lo or 0) + float(hi or 0)) / 2
        elif r.birth_date is not None and r.time is not None:
            age = float(r.time.year - r.birth_date.year)
        cols["unique_id"].append(r.id)
        cols["first_name"].append(first)
        cols["surname"].append(surname)
        cols["sex"].append(r.sex)
        cols["age"].append(age)
        cols["dob"].append(r.birth_date.isoformat() if r.birth_date else None)
        cols["hair"].append(d.hair)
        cols["build"].append(d.build)
        cols["clothing"].append(sorted(d.outfits | d.clothing) or None)
        cols["marks"].append(sorted(d.mark_places | d.marks) or None)
        cols["lat"].append(r.lat)
        cols["lng"].append(r.lon)
    return cols


def run_splink(pop: SynthPopulation, threshold: float) -> tuple[list[tuple[str, str]], float, int]:
    """Link with splink on DuckDB; return the links, seconds taken and pairs compared."""
    import pyarrow as pa
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on
    from splink.blocking_analysis import count_comparisons_from_blocking_rules

    start, cpu = time.perf_counter(), time.process_time()
    db = DuckDBAPI()
    left = db.register(pa.table(_splink_rows(pop.reports)), table_name="reports")
    right = db.register(pa.table(_splink_rows(pop.records)), table_name="records")
    age = cl.CustomComparison(
        output_column_name="age",
        comparison_levels=[
            cll.NullLevel("age"),
            cll.AbsoluteDifferenceLevel("age", 1),
            cll.AbsoluteDifferenceLevel("age", 3),
            cll.AbsoluteDifferenceLevel("age", 6),
            cll.AbsoluteDifferenceLevel("age", 10),
            cll.ElseLevel(),
        ],
    )
    blocking = [
        block_on("first_name", "surname"),
        block_on("surname", "sex"),
        block_on("first_name", "dob"),
        block_on("dob"),
        block_on("hair", "build", "sex"),
    ]
    settings = SettingsCreator(
        link_type="link_only",
        blocking_rules_to_generate_predictions=blocking,
        comparisons=[
            cl.ForenameSurnameComparison("first_name", "surname").configure(
                term_frequency_adjustments=True
            ),
            cl.ExactMatch("sex"),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            age,
            cl.ExactMatch("hair"),
            cl.ExactMatch("build"),
            cl.ArrayIntersectAtSizes("clothing", [3, 1]),
            cl.ArrayIntersectAtSizes("marks", [2, 1]),
            cl.DistanceInKMAtThresholds("lat", "lng", [1, 3, 10]),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker([left, right], settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "dob")], recall=0.5
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_name", "surname")
    )
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    rows = predictions.as_duckdbpyrelation().fetchall()
    cols = predictions.as_duckdbpyrelation().columns
    il, ir, ip = (
        cols.index("unique_id_l"),
        cols.index("unique_id_r"),
        cols.index("match_probability"),
    )
    reports = {r.id for r in pop.reports}
    # Splink orders each pair by its own rules; put the report first.
    pairs = (
        (row[il], row[ir], float(row[ip]))
        if row[il] in reports
        else (row[ir], row[il], float(row[ip]))
        for row in rows
    )
    links = best_per_report(pairs)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    counts = count_comparisons_from_blocking_rules(
        [left, right], blocking_rules=blocking, link_type="link_only", record_sample_proportion=1.0
    )
    return Run(links, seconds, cpu_seconds, int(counts[-1]["cumulative_comparison_count"]))


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a table and a JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--missing", type=int, default=100_000, help="missing-person reports")
    parser.add_argument("--records", type=int, default=20_000, help="casualty/survivor records")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threshold", type=float, default=0.5, help="match probability")
    parser.add_argument("--no-splink", action="store_true", help="skip the splink run")
    parser.add_argument(
        "--ceiling", action="store_true", help="also measure what the comparisons allow at all"
    )
    args = parser.parse_args(argv)

    t = time.perf_counter()
    pop = generate(random.Random(args.seed), missing_reports=args.missing, records=args.records)
    gen_s = time.perf_counter() - t
    print(
        f"population: {len(pop.reports):,} reports, {len(pop.records):,} records, "
        f"{len(pop.truth):,} true links (generated in {gen_s:.1f} s)"
    )
    ours = run_magen(pop, args.threshold)
    mine = score(ours.links, pop.truth)
    rows = [("magen", mine, ours)]
    result: dict[str, object] = {
        "missing": args.missing,
        "records": args.records,
        "true_links": len(pop.truth),
        "f1": round(mine.f1, 4),
        "precision": round(mine.precision, 4),
        "recall": round(mine.recall, 4),
        "s": round(ours.seconds, 2),
        "cpu_s": round(ours.cpu_seconds, 2),
        "pairs": ours.pairs,
    }
    if args.ceiling:
        best, blocked = ceiling(pop)
        print(
            f"ceiling: F1 {best.f1:.4f} (precision {best.precision:.4f}, recall {best.recall:.4f});"
            f" blocking keeps {blocked:.1%} of true pairs"
        )
        result.update(
            ceiling_f1=round(best.f1, 4),
            ceiling_precision=round(best.precision, 4),
            ceiling_recall=round(best.recall, 4),
            blocked_recall=round(blocked, 4),
        )
    if not args.no_splink:
        peer = run_splink(pop, args.threshold)
        theirs = score(peer.links, pop.truth)
        rows.append(("splink", theirs, peer))
        result.update(
            splink_f1=round(theirs.f1, 4),
            splink_precision=round(theirs.precision, 4),
            splink_recall=round(theirs.recall, 4),
            splink_s=round(peer.seconds, 2),
            splink_cpu_s=round(peer.cpu_seconds, 2),
            splink_pairs=peer.pairs,
            f1_ratio=round(mine.f1 / theirs.f1, 3) if theirs.f1 else None,
            time_ratio=round(ours.seconds / peer.seconds, 3) if peer.seconds else None,
        )
    print(
        f"{'engine':8} {'F1':>7} {'prec':>7} {'recall':>7} {'links':>8} {'pairs':>11}"
        f" {'wall s':>8} {'cpu s':>8}"
    )
    for name, sc, run in rows:
        print(
            f"{name:8} {sc.f1:7.4f} {sc.precision:7.4f} {sc.recall:7.4f} "
            f"{sc.predicted:8,} {run.pairs:11,} {run.seconds:8.1f} {run.cpu_seconds:8.1f}"
        )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
