"""A proposal stores the matcher's evidence as data; logs written before it replay."""

from __future__ import annotations

import json
import pickle
import random
import uuid
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from magen.app.codec import decode, encode
from magen.domain.base import Actor, event_class
from magen.domain.persons import (
    MAX_EVIDENCE_CHARS,
    CandidateKind,
    Match,
    MatchEvidence,
    MatchProposed,
    NameAgreement,
    ProposeMatch,
    match_evidence,
)
from magen.domain.values import Role
from magen.people.matching import Evidence, NamePair, link
from magen.people.synth import generate
from magen.store.base import StoredEvent

AT = datetime(2023, 10, 7, 9, 0, tzinfo=UTC)
REGISTRAR = Actor("acc_registrar", Role.REGISTRAR)
# A MatchProposed as the log stored it before proposals carried their evidence.
OLD_BODY = (
    '{"type":"MatchProposed","v":1,"at":"2023-10-07T09:00:00Z",'
    '"actor":{"id":"acc_registrar","role":"registrar","src":null},"cmd":null,"ch":null,'
    '"data":{"type":"MatchProposed","match_id":"mat_1","report_id":"mis_1",'
    '"candidate_kind":"survivor","candidate_id":"srv_1","score":0.9,'
    '"explanation":"90% likely the same person. For: name: same (+4.0)."}}'
)


def test_an_event_recorded_before_evidence_replays_with_none() -> None:
    stored = StoredEvent(1, uuid.uuid4(), "MatchProposed", OLD_BODY.encode())
    e = decode(stored).event
    assert isinstance(e, MatchProposed)
    assert e.evidence == ()
    assert e.explanation.startswith("90% likely")
    assert event_class("MatchProposed").version == 1  # no upcaster needed: the field defaults


def _proposed(evidence: tuple[MatchEvidence, ...]) -> MatchProposed:
    return MatchProposed(
        match_id="mat_1",
        report_id="mis_1",
        candidate_kind=CandidateKind.SURVIVOR,
        candidate_id="srv_1",
        score=0.9,
        explanation="",
        evidence=evidence,
    )


def test_evidence_round_trips_through_the_log() -> None:
    pop = generate(random.Random(3), missing_reports=300, records=90)
    candidates = link(pop.reports, pop.records).candidates
    assert len(candidates) > 20
    for c in candidates:
        e = _proposed(match_evidence(c.evidence))
        assert len(e.evidence) == len(c.evidence)
        for stored, found in zip(e.evidence, c.evidence, strict=True):
            assert (stored.field, stored.level, stored.weight) == (
                found.field,
                found.level,
                found.weight,
            )
            assert [(n.a, n.b, n.how) for n in stored.names] == [
                (n.a, n.b, n.how) for n in found.names
            ]
            assert (stored.ages, stored.km, stored.terms) == (found.ages, found.km, found.terms)
        new = encode(
            e,
            event_id=uuid.uuid4(),
            recorded_at=AT,
            actor=REGISTRAR,
            command_id=None,
            command_hash=None,
        )
        back = decode(StoredEvent(1, new.event_id, new.type, new.data)).event
        assert back == e


def test_evidence_is_bounded() -> None:
    one = MatchEvidence(field="name", level="three parts agree", weight=9.0)
    with pytest.raises(ValidationError):
        _proposed((one,) * 17)
    with pytest.raises(ValidationError):
        MatchEvidence(field="clothing", level="several items agree", weight=1.0, terms=("x",) * 13)
    with pytest.raises(ValidationError):
        NameAgreement(a="a" * 101, b="b", how="same")
    with pytest.raises(ValidationError):
        MatchEvidence(field="place", level="within 200 m", weight=1.0, km=float("nan"))
    pair = NameAgreement(a="a" * 100, b="b" * 100, how="same")
    long = MatchEvidence(field="name", level="x" * 120, weight=1.0, names=(pair,) * 3)
    with pytest.raises(ValidationError, match="characters in all"):
        ProposeMatch(
            command_id=uuid.uuid4(),
            report_id="mis_1",
            candidate_kind=CandidateKind.SURVIVOR,
            candidate_id="srv_1",
            score=0.5,
            evidence=(long,) * 16,
        )
    assert MAX_EVIDENCE_CHARS < 16 * 724


def test_what_cannot_be_stored_is_cut_or_left_out() -> None:
    word = "w" * 150
    e = Evidence(
        "name",
        "…",
        3.0,
        "one part similar",
        (NamePair(word, word, "similar"),) * 4,
        terms=("t" * 50,) * 20,
        km=float("inf"),
        ages=((1.0, 2.0), (float("nan"), 3.0)),
    )
    [stored] = match_evidence([e])
    assert [len(n.a) for n in stored.names] == [100] * 3
    assert len(stored.terms) == 12
    assert {len(t) for t in stored.terms} == {40}
    assert stored.km is None
    assert stored.ages is None
    # Too much in all: nothing (the English explanation still says it).
    many = [Evidence("name", "…", 1.0, "x" * 400, (NamePair(word, word, "same"),) * 3)] * 16
    assert match_evidence(many) == ()
    json.dumps([s.model_dump(mode="json") for s in match_evidence([e])])


def test_stored_evidence_leaves_out_the_details_it_has_not() -> None:
    e = MatchEvidence(field="place", level="within 200 m", weight=0.5, km=0.0)
    assert e.model_dump(mode="json") == {
        "field": "place",
        "level": "within 200 m",
        "weight": 0.5,
        "km": 0.0,
    }
    assert MatchEvidence.model_validate_json(e.model_dump_json()) == e


def test_snapshots_from_before_evidence_are_refused_or_read_with_none() -> None:
    # The event's schema is in the snapshot fingerprint: an older snapshot is refused and
    # the log replayed (tests/store/test_state_snapshots.py) ...
    assert "evidence" in json.dumps(MatchProposed.model_json_schema())
    # ... and a Match pickled without the field would read it as none.
    m = Match("mat_1", "mis_1", CandidateKind.SURVIVOR, "srv_1", 0.9, "", None, AT, evidence=())
    del m.__dict__["evidence"]
    assert pickle.loads(pickle.dumps(m)).evidence == ()
