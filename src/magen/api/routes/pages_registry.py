"""The HTML of the registrar's desk (/registry)."""

from __future__ import annotations

from litestar import Router

ROUTERS: list[Router] = []
