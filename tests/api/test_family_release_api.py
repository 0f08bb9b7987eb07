"""GET /persons/family says when the released words are the desk's stock sentence (audit 16):
an app then says that sentence in its own language rather than the desk's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from magen.domain.values import Role
from magen.web.words_registry import WORDS, stock_release
from support.apikit import Kit, api_kit, cid


@pytest.fixture(scope="module")
def kit() -> Iterator[Kit]:
    with api_kit() as k:
        yield k


def _found(kit: Kit, name: str, sex: str | None, release: str | None) -> dict[str, Any]:
    """A report of this family's, matched to a survivor and confirmed: as the family reads it."""
    description = {"sex": sex} if sex else {}
    report = kit.post(
        Role.RESIDENT,
        "/api/v1/persons/missing",
        {"command_id": cid(), "name": {"full_name": name}, "description": description},
    )
    assert report.status_code == 201, report.text
    report_id = report.json()["id"]
    survivor = kit.post(
        Role.REGISTRAR,
        "/api/v1/persons/survivors",
        {"command_id": cid(), "name": {"full_name": name}, "place": "Shelter 7"},
    )
    assert survivor.status_code == 201, survivor.text
    proposal = {"report_id": report_id, "candidate_kind": "survivor", "score": 0.9}
    m = kit.post(
        Role.REGISTRAR,
        "/api/v1/persons/matches",
        {**proposal, "command_id": cid(), "candidate_id": survivor.json()["id"]},
    )
    assert m.status_code == 201, m.text
    body = {"command_id": cid()} | ({} if release is None else {"release": release})
    r = kit.post(Role.REGISTRAR, f"/api/v1/persons/matches/{m.json()['id']}/confirm", body)
    assert r.status_code in {200, 201}, r.text
    family = kit.get(Role.RESIDENT, "/api/v1/persons/family")
    assert family.status_code == 200, family.text
    (mine,) = [x for x in family.json()["reports"] if x["report_id"] == report_id]
    return dict(mine)


def test_the_stock_sentence_is_marked_with_its_key_and_the_person_s_sex(kit: Kit) -> None:
    # No words given: the service's English default, the desk's stock sentence.
    her = _found(kit, "Noa Cohen", "female", None)
    assert her["message"] == "Found safe."
    assert (her["release_is_default"], her["release_key"]) == (True, "registry_release_safe_f")
    assert her["status"] == "found"
    assert her["outcome"] == "safe"  # the fields there were are all still there
    # The desk's proposal in Arabic, of a person the family gave no sex for.
    them = _found(kit, "Sami Haddad", None, WORDS["registry_release_safe"][1])
    assert (them["release_is_default"], them["release_key"]) == (True, "registry_release_safe")
    him = _found(kit, "Avi Levi", "male", "  " + WORDS["registry_release_safe_f"][0])
    assert him["release_key"] == "registry_release_safe_m"


def test_words_the_registrar_wrote_are_not_stock(kit: Kit) -> None:
    own = _found(kit, "Rivka Azulay", "female", "Rivka is at the community centre. Call 106.")
    assert (own["release_is_default"], own["release_key"]) == (False, None)
    assert own["message"] == "Rivka is at the community centre. Call 106."


def test_the_domain_s_default_words_are_the_desk_s_stock_sentences_in_english() -> None:
    from magen.domain.persons import _DEFAULT_RELEASE

    for outcome, words in _DEFAULT_RELEASE.items():
        assert stock_release(outcome.value, words) == f"registry_release_{outcome.value}"
    assert stock_release("safe", "Found safe, at the school.") is None
    assert stock_release("unknown", "Found safe.") is None
