"""Words found wanting in review 16.

- Counts in the SOS update's answer are said as "label: number" (no "1 פצועים", "1 مصابين").
- The family form's "when" hint in Arabic speaks to the family in the plural and assumes no
  sex for the missing person, as the Hebrew does.
- A refusal for a responder not reported wounded reads as native Hebrew.
"""

from __future__ import annotations

import pytest

from magen.web.i18n import text


@pytest.mark.parametrize("key", ["fd_sos_updated", "fd_sos_unchanged"])
@pytest.mark.parametrize(
    ("lang", "labels"),
    [
        ("he", ("אנשים: 1", "פצועים: 1", "ילדים: 1")),
        ("ar", ("الأشخاص: 1", "المصابون: 1", "الأطفال: 1")),
        ("en", ("People: 1", "injured: 1", "children: 1")),
    ],
)
def test_the_sos_answer_says_each_count_after_its_label(
    key: str, lang: str, labels: tuple[str, ...]
) -> None:
    said = text(key, lang, t="10:00", people=1, injured=1, children=1)
    for label in labels:
        assert label in said, said
    for plural in ("1 פצועים", "1 אנשים", "1 مصابين", "1 أشخاص"):
        assert plural not in said


def test_the_family_when_hint_in_arabic_is_plural_and_assumes_no_sex() -> None:
    said = text("family_when_now", "ar", t="10:00")
    assert "اكتبوا" in said
    assert "فاتركوا" in said
    for singular in ("اكتب ", "تعرف ", "فاتركه", "شوهد"):
        assert singular not in said, said


def test_the_not_wounded_refusal_reads_as_hebrew() -> None:
    assert text("refused_responder_not_wounded", "he") == "הכוח לא דווח כפצוע"
