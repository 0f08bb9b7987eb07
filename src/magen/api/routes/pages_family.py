"""The HTML of the family page (/family)."""

from __future__ import annotations

from litestar import Router

ROUTERS: list[Router] = []
