"""The stable rules a domain module's refusals name (`DomainError(..., rule="...")`)."""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType

_RULE = re.compile(r'rule="(\w+)"')


def rules_named_in(module: ModuleType) -> set[str]:
    """Every rule the module's source names: a test of its refusals holds a case for each, so
    a rule added without one (or dropped with its case kept) fails."""
    source = module.__file__
    assert source is not None, module
    return set(_RULE.findall(Path(source).read_text("utf-8")))
