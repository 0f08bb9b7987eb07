"""An incident's reasons as facts beside its English words, and words for each in he/ar/en."""

from __future__ import annotations

import re

from magen.picture.fusion import Fuser
from magen.picture.incidents import REASON_CODES, Reason, build_incidents
from magen.web.i18n import _T, text
from picture.picturekit import FRAME, at, sos, walk

# Codes whose English words are the engine's own sentence (the rest word plurals apart).
SAME_IN_ENGLISH = {"injured", "silent_sos", "threat_m", "unverified_threat_m", "waiting_min"}


def _board() -> list:  # type: ignore[type-arg]
    f = Fuser(frame=FRAME)
    for r in walk("t", (500.0, 40.0), (0.0, 0.0), [0, 30, 60], ["acct:r1", "acct:r2"]):
        f.ingest(r)
    lone = Fuser(frame=FRAME)
    lone.ingest(walk("u", (-3000.0, 60.0), (-3000.0, 0.0), [0], ["acct:lone"])[0])
    threats = [*f.tracks(at(90)), *lone.tracks(at(90))]
    reports = [
        sos("hurt", 500.0, 0.0, 60.0, reporter="q", people=3, injured=2, children=2, silent=True),
        sos("hurt2", 510.0, 0.0, 70.0, reporter="q2", people=3),
        sos("far", -3000.0, 0.0, 0.0, reporter="s", people=1),
    ]
    return build_incidents(reports, at(600), threats)


def test_every_reason_has_its_fact_and_the_facts_say_the_same() -> None:
    incidents = _board()
    seen: set[str] = set()
    for incident in incidents:
        assert len(incident.reason_facts) == len(incident.reasons), incident.incident_id
        for words, fact in zip(incident.reasons, incident.reason_facts, strict=True):
            assert isinstance(fact, Reason)
            assert fact.code in REASON_CODES
            seen.add(fact.code)
            if fact.code in SAME_IN_ENGLISH:
                n = "" if fact.n is None else fact.n
                assert text(f"reason_{fact.code}", "en", n=n) == words
            if fact.n is not None:
                assert str(fact.n) in words, (words, fact)
    hurt = next(i for i in incidents if i.incident_id == "hurt")
    assert Reason("injured", 2) in hurt.reason_facts
    assert Reason("children", 2) in hurt.reason_facts
    assert Reason("silent_sos") in hurt.reason_facts
    assert Reason("callers", 2) in hurt.reason_facts
    assert seen == set(REASON_CODES)


def test_every_reason_code_has_words_in_each_language() -> None:
    for code in REASON_CODES:
        he, ar, en = _T[f"reason_{code}"]
        for words in (he, ar):
            assert not re.search("[A-Za-z]", words.replace("{n}", "")), (code, words)
        assert he != en
        assert ar != en
