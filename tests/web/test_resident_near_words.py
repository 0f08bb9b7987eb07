"""The silent page's "near ..." says the street in the page's language (review 17).

Before, the street was said as OSM spells it (in Jerusalem, Hebrew) on the Arabic and English
pages too. Now in the page's language where OSM names the street in it, else as OSM has it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from support.apikit import Kit, api_kit
from support.bakapack import baka_pack

DUBNOV_13 = (31.768189, 35.218725)  # a building in the Baka pack (דובנוב 13)


@pytest.fixture(scope="module")
def kit() -> Iterator[Kit]:
    with api_kit(town=baka_pack()) as k:
        yield k


def _client(kit: Kit) -> Any:
    kit.client.cookies.clear()
    return kit.client


@pytest.mark.parametrize(
    ("lang", "said"), [("he", "דובנוב 13"), ("ar", "دوڨْنوڤ 13"), ("en", "Dubnov 13")]
)
def test_the_nearest_address_is_said_in_the_pages_language(kit: Kit, lang: str, said: str) -> None:
    lat, lon = DUBNOV_13
    r = _client(kit).get(f"/resident/near?lat={lat}&lon={lon}&lang={lang}")
    assert r.status_code == 200
    assert r.json() == {"label": said}


@pytest.mark.parametrize(
    ("lang", "said"), [("he", "דובנוב 13"), ("ar", "دوڨْنوڤ 13"), ("en", "Dubnov 13")]
)
def test_the_silent_page_made_by_the_server_says_it_in_its_language(
    kit: Kit, lang: str, said: str
) -> None:
    lat, lon = DUBNOV_13
    page = _client(kit).get(f"/resident/silent?lang={lang}&lat={lat}&lon={lon}").text
    assert f"\u2068{said}\u2069" in page
