"""`record` makes the same frozen `Recorded` as its constructor, more cheaply."""

from __future__ import annotations

import dataclasses
import pickle
import uuid
from datetime import UTC, datetime

import pytest

from magen.domain.base import Actor, Recorded, record
from magen.domain.picture import TrackConfirmed
from magen.domain.values import Role


@pytest.mark.parametrize(("command_id", "command_hash"), [(uuid.uuid4(), "ab" * 32), (None, None)])
def test_record_is_the_constructor(command_id: uuid.UUID | None, command_hash: str | None) -> None:
    fields = {
        "position": 12,
        "event_id": uuid.uuid4(),
        "recorded_at": datetime(2023, 10, 7, 6, 30, tzinfo=UTC),
        "actor": Actor("acc_1", Role.DISPATCHER),
        "command_id": command_id,
        "command_hash": command_hash,
        "event": TrackConfirmed(track_id="trk_1"),
    }
    made, built = record(**fields), Recorded(**fields)
    assert type(made) is Recorded
    assert made == built
    assert hash(made) == hash(built)
    assert dataclasses.astuple(made) == dataclasses.astuple(built)
    assert pickle.loads(pickle.dumps(made)) == built
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.position = 13  # type: ignore[misc]
