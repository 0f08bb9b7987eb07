"""Every XML importer answers a document in an encoding nobody can read alike: 400, naming it.

From an audit: the CAP import answered 500 (its expat pre-check let Python's LookupError out)
where EDXL-HAVE, PFIF and CoT answered 400 "Unsupported encoding".
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from magen.domain.values import Role
from support.apikit import Kit, api_kit

BOGUS = b'<?xml version="1.0" encoding="bogus-enc"?><foo/>'
# Names Python knows but cannot decode text with (expat asks Python's codecs for them).
NOT_TEXT = b'<?xml version="1.0" encoding="rot13"?><foo/>'

IMPORTERS = {
    "cap": ("/api/v1/cap/import", "application/cap+xml", Role.DISPATCHER),
    "edxl-have": ("/api/v1/hospitals/edxl-have", "application/xml", Role.DISPATCHER),
    "pfif": ("/api/v1/pfif/import", "application/xml", Role.REGISTRAR),
    "cot": ("/api/v1/cot", "application/xml", Role.DISPATCHER),
}


@pytest.fixture(scope="module")
def kit() -> Iterator[Kit]:
    with api_kit() as k:
        yield k


@pytest.mark.parametrize("importer", list(IMPORTERS))
@pytest.mark.parametrize(
    ("body", "name"), [(BOGUS, "bogus-enc"), (NOT_TEXT, "rot13")], ids=["bogus", "rot13"]
)
def test_an_unknown_encoding_is_refused_400_by_every_importer(
    kit: Kit, importer: str, body: bytes, name: str
) -> None:
    path, kind, role = IMPORTERS[importer]
    head = kit.log.head()
    r = kit.client.post(path, content=body, headers={**kit.auth(role), "Content-Type": kind})
    assert r.status_code == 400, r.text
    assert f"Unsupported encoding: {name}" in r.text
    assert kit.log.head() == head


def test_a_cap_message_in_an_encoding_expat_cannot_read_is_still_read(kit: Kit) -> None:
    # Shift_JIS is a multi-byte encoding expat refuses and libxml2 reads: the CAP import
    # refuses it for what it is (not CAP), not for its encoding, as the others would.
    body = '<?xml version="1.0" encoding="Shift_JIS"?><feed>警報</feed>'.encode("shift_jis")
    r = kit.client.post(
        "/api/v1/cap/import",
        content=body,
        headers={**kit.auth(Role.DISPATCHER), "Content-Type": "application/cap+xml"},
    )
    assert r.status_code == 400, r.text
    assert "not a CAP 1.2 alert" in r.json()["reason"]
