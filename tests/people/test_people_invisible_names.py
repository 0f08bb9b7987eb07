"""A name must show a letter, and no text reorders what later readers see.

From an as-user audit: the family page took a full name of a zero-width space and a
right-to-left mark ("The report on  is filed", a desk row with no name), and a name with a
right-to-left override ("\\u202eevil\\u202c") was shown reversed. Names a right-to-left
script needs (direction marks, the joiners Persian writes with) are kept.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from magen.domain.casualties import IdentificationMethod, IdentifyCasualty, RecordCasualty
from magen.domain.people import Description, PersonName, exchangeable_part, typed
from magen.domain.persons import (
    AddPersonNote,
    MissingPersonReported,
    ReportMissingPerson,
    WithdrawMatch,
)
from magen.domain.values import STORED

BLANK = [
    "\u200b\u200f",  # zero-width space, right-to-left mark: what the audit typed
    "\u200e",
    "\u200d\u200c",
    "\ufeff",
    "\u3164",  # a Hangul filler
    "\u0301",  # a combining mark alone
    " \u2800 ",  # the blank braille pattern
]
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]


@pytest.mark.parametrize("name", BLANK)
def test_a_name_that_shows_no_letter_is_blank(name: str) -> None:
    with pytest.raises(ValidationError, match="cannot be blank"):
        PersonName(full_name=name)
    with pytest.raises(ValidationError, match="cannot be blank"):
        PersonName(full_name="Noa", family_name=name)
    assert PersonName(full_name="Noa", alternates=(name, "נועה")).alternates == ("נועה",)


@pytest.mark.parametrize("control", BIDI)
def test_a_bidirectional_control_is_refused_in_names_and_free_text(control: str) -> None:
    with pytest.raises(ValidationError, match="bidirectional control character"):
        PersonName(full_name=f"{control}evil\u202c")
    with pytest.raises(ValidationError, match="bidirectional control character"):
        Description(clothing=f"red {control}coat")
    with pytest.raises(ValidationError, match="bidirectional control character"):
        AddPersonNote(
            command_id=uuid.uuid4(), report_id="mis_1", author_name="Dan", text=f"a{control}b"
        )
    with pytest.raises(ValidationError, match="bidirectional control character"):
        RecordCasualty(command_id=uuid.uuid4(), tag="T-1", place=f"{control}Herzl 4")
    with pytest.raises(ValidationError, match="bidirectional control character"):
        IdentifyCasualty(
            command_id=uuid.uuid4(),
            casualty_id="cas_1",
            status="provisional",
            name=PersonName(full_name="Dana"),
            identified_by=f"Sgt {control}Cohen",
            method=IdentificationMethod.DOCUMENTS,
        )
    assert exchangeable_part(f"a{control}b") == "ab"


@pytest.mark.parametrize(
    "name",
    [
        "\u200fנועה לוי\u200f",  # right-to-left marks around a Hebrew name
        "Noa \u200eלוי",  # a left-to-right mark inside a mixed name
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # Persian, with a ZWNJ
        "\u0644\u0640\u200d\u0627",  # a ZWJ between Arabic letters
        "عبد\u061c الله",  # the Arabic letter mark
    ],
)
def test_the_marks_and_joiners_a_right_to_left_name_needs_are_kept(name: str) -> None:
    assert PersonName(full_name=name).full_name == name
    assert typed(name) == name


def test_the_log_still_reads_a_name_written_before_these_were_refused() -> None:
    event = MissingPersonReported(
        report_id="mis_old",
        name=PersonName.model_construct(
            full_name="\u202eevil\u202c", given_name="\u200b\u200f", alternates=("\u200b",)
        ),
        date_of_birth=None,
        age=None,
        description=Description.model_construct(clothing="\u202ered coat"),
        last_seen_place="",
        last_seen_where=None,
        last_seen_at=None,
        home=None,
        contact=None,
        family_account=None,
        source=None,
    )
    body = event.model_dump_json()
    with pytest.raises(ValidationError):  # as a command's would be, it is refused ...
        MissingPersonReported.model_validate_json(body)
    # ... but the store reads events as stored (app.codec: context=STORED)
    read = MissingPersonReported.model_validate_json(body, context=STORED)
    assert (read.name.full_name, read.name.given_name, read.name.alternates) == (
        "\u202eevil\u202c",
        "\u200b\u200f",
        ("\u200b",),
    )
    assert read.description.clothing == "\u202ered coat"


def test_a_report_with_a_blank_name_is_refused_before_it_is_a_command() -> None:
    with pytest.raises(ValidationError, match="cannot be blank"):
        ReportMissingPerson.model_validate(
            {
                "command_id": str(uuid.uuid4()),
                "name": {"full_name": "\u200b\u200f"},
                "last_seen_at": datetime(2023, 10, 7, tzinfo=UTC).isoformat(),
            }
        )


@pytest.mark.parametrize("text", ["\u200b\u200f", "\ufeff \u200e", "\u0301"])
def test_a_note_of_only_unseen_characters_is_blank(text: str) -> None:
    with pytest.raises(ValidationError, match="cannot be blank"):
        AddPersonNote(command_id=uuid.uuid4(), report_id="mis_1", author_name="Dana", text=text)
    with pytest.raises(ValidationError, match="cannot be blank"):
        AddPersonNote(command_id=uuid.uuid4(), report_id="mis_1", author_name=text, text="ok")
    said = AddPersonNote(command_id=uuid.uuid4(), report_id="mis_1", author_name="D", text="5")
    assert said.text == "5"  # a short note that shows something is a note


def test_a_withdrawal_s_reason_of_only_unseen_characters_is_no_reason() -> None:
    with pytest.raises(ValidationError, match="say why"):
        WithdrawMatch(command_id=uuid.uuid4(), match_id="m_1", reason="\u200b\u200f")
    assert WithdrawMatch(command_id=uuid.uuid4(), match_id="m_1", reason="not her").reason
