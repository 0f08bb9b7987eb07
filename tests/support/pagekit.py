"""Reading the server-rendered pages in tests."""

from __future__ import annotations

import re

_COMMAND_ID = re.compile(r'name="command_id" value="([0-9a-f-]{36})"')


def form_command_id(html: str, action: str) -> str:
    """The fresh command id of the first form after `action="<action>"` in a page."""
    block = html[html.index(f'action="{action}"') :]
    found = _COMMAND_ID.search(block)
    assert found is not None, action
    return found.group(1)
