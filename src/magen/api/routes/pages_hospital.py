"""The HTML of the hospital desk page (/hospital)."""

from __future__ import annotations

from litestar import Router

ROUTERS: list[Router] = []
