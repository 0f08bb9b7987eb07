"""Event ids derive from the command id exactly as RFC 4122 name-based (SHA-1) UUIDs."""

from __future__ import annotations

import pickle
import uuid

from hypothesis import given
from hypothesis import strategies as st

from magen.domain.base import EVENT_ID_NAMESPACE, event_id_for


@given(st.uuids(), st.integers(min_value=0, max_value=10_000))
def test_event_id_is_uuid5_of_the_command_id_and_index(command_id: uuid.UUID, index: int) -> None:
    expected = uuid.uuid5(EVENT_ID_NAMESPACE, f"{command_id}:{index}")
    got = event_id_for(command_id, index)
    assert got == expected
    assert (got.version, got.variant) == (5, uuid.RFC_4122)
    # Built without UUID.__init__: every attribute and form must still match uuid5's.
    assert type(got) is uuid.UUID
    assert (got.int, got.is_safe, got.bytes, str(got), hash(got)) == (
        expected.int,
        expected.is_safe,
        expected.bytes,
        str(expected),
        hash(expected),
    )
    assert pickle.loads(pickle.dumps(got)) == expected


def test_event_ids_of_one_command_differ() -> None:
    command_id = uuid.uuid4()
    assert len({event_id_for(command_id, i) for i in range(50)}) == 50
