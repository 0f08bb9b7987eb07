"""A proposed match's evidence reaches the registrar's board as data to say in any language."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from magen.domain.persons import MatchEvidence
from magen.domain.values import Role
from magen.web.words_evidence import reasons
from support.apikit import Kit, api_kit, cid, ok


@pytest.fixture
def kit() -> Iterator[Kit]:
    with api_kit() as k:
        yield k


def test_the_board_carries_each_proposals_evidence(kit: Kit) -> None:
    person = {"age": {"min_years": 24, "max_years": 24}, "description": {"sex": "female"}}
    body = {"command_id": cid(), "name": {"full_name": "נועה כהן"}, **person}
    body["contact"] = {"name": "family", "phone": "050-0000000"}
    ok(kit.post(Role.REGISTRAR, "/api/v1/persons/missing", body))
    body = {"command_id": cid(), "name": {"full_name": "Noa Kohen"}, **person}
    ok(kit.post(Role.REGISTRAR, "/api/v1/persons/survivors", body))
    assert ok(kit.post(Role.REGISTRAR, "/api/v1/persons/matching/run", {}))["proposed"] == 1
    (match,) = ok(kit.get(Role.REGISTRAR, "/api/v1/persons/board"))["matches"]
    items = match["evidence"]
    name = next(e for e in items if e["field"] == "name")
    assert {(n["a"], n["b"]) for n in name["names"]} >= {("נועה", "noa")}
    # Only the details a finding has are sent.
    sex = next(e for e in items if e["field"] == "sex")
    assert set(sex) == {"field", "level", "weight"}
    evidence = [MatchEvidence.model_validate(e) for e in items]
    he = [r["text"] for r in reasons(evidence, "he")]
    assert "מין: תואם" in he
    en = "; ".join(str(r["text"]) for r in reasons(evidence, "en"))
    assert en.split("; ")[0] in match["explanation"]


def test_the_board_says_the_reasons_in_the_desks_language(kit: Kit) -> None:
    person = {"age": {"min_years": 24, "max_years": 24}, "description": {"sex": "female"}}
    body = {"command_id": cid(), "name": {"full_name": "נועה כהן"}, **person}
    body["contact"] = {"name": "family", "phone": "050-0000000"}
    ok(kit.post(Role.REGISTRAR, "/api/v1/persons/missing", body))
    body = {"command_id": cid(), "name": {"full_name": "Noa Kohen"}, **person}
    ok(kit.post(Role.REGISTRAR, "/api/v1/persons/survivors", body))
    ok(kit.post(Role.REGISTRAR, "/api/v1/persons/matching/run", {}))
    said = {}
    for lang in ("he", "ar", "en"):
        board = ok(kit.get(Role.REGISTRAR, f"/api/v1/persons/board?lang={lang}"))
        (match,) = board["matches"]
        said[lang] = board["reasons"][match["match_id"]]
    assert "מין: תואם" in [r["text"] for r in said["he"]]
    assert "الجنس: متطابق" in [r["text"] for r in said["ar"]]
    # Names are shown as written, each isolated in its own direction inside the sentence.
    assert "'\u2068noa\u2069'" in said["he"][0]["text"]
    # English says what the stored explanation says, finding by finding.
    assert all(r["text"] in match["explanation"] for r in said["en"])
    # For, then against; the weights as in the explanation.
    flags = [r["for"] for r in said["en"]]
    assert flags == sorted(flags, reverse=True)
    assert kit.get(Role.REGISTRAR, "/api/v1/persons/board?lang=fr").status_code == 400
