"""Every JSON route refuses bad bodies with a 4xx and a reason, and appends nothing.

The routes and their bodies come from the app's own OpenAPI, so a new route is covered the day
it is added. For each route a plausible body is built from its schema, then spoiled one way at
a time (malformed JSON, a wrong type, NaN, a number or string far too big, an unknown field or
enum value, a control character...). Deterministic: no randomness, the same requests each run.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from magen.domain.values import Role
from support.apikit import START, Kit, api_kit
from support.bakapack import baka_pack

Schema = dict[str, Any]
Path = tuple[str | int, ...]

# Spoiled bodies the domain takes today (its commands, in domain/, lack the check): listed so
# that the test says so (xfail, strict: it fails once the domain refuses them) and hides nothing.
KNOWN_GAPS: dict[tuple[str, str], str] = {}


@pytest.fixture(scope="module")
def kit() -> Iterator[Kit]:
    with api_kit() as k:
        yield k


@dataclass(frozen=True)
class Leaf:
    path: Path
    schema: Schema
    value: Any


class Bodies:
    """Plausible bodies from an OpenAPI document's schemas, and their leaves."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.components: dict[str, Schema] = spec["components"]["schemas"]

    def resolve(self, schema: Schema) -> Schema:
        while "$ref" in schema:
            schema = self.components[schema["$ref"].rsplit("/", 1)[-1]]
        options = schema.get("oneOf") or schema.get("anyOf")
        if options:
            real = [self.resolve(o) for o in options if self.resolve(o).get("type") != "null"]
            return real[0] if real else self.resolve(options[0])
        return schema

    def make(self, schema: Schema, name: str = "", depth: int = 0, *, full: bool = False) -> Any:
        """A body with every required field (`full`: and the optional ones at the top)."""
        s = self.resolve(schema)
        if "const" in s:
            return s["const"]
        if "enum" in s:
            return s["enum"][0]
        kind = _type(s)
        if kind == "object":
            props = s.get("properties", {})
            wanted = set(props) if full and depth == 0 else set(s.get("required", []))
            return {k: self.make(v, k, depth + 1) for k, v in props.items() if k in wanted}
        if kind == "array":
            n = max(s.get("minItems", 1), 1)
            return [self.make(s.get("items", {}), name, depth + 1) for _ in range(n)]
        if kind == "string":
            return _string(s, name)
        if kind in {"integer", "number"}:
            return _number(s, name, kind)
        if kind == "boolean":
            return True
        return None

    def leaves(self, schema: Schema, value: Any, path: Path = ()) -> Iterator[Leaf]:
        s = self.resolve(schema)
        if isinstance(value, dict):
            for k, v in value.items():
                yield from self.leaves(s.get("properties", {}).get(k, {}), v, (*path, k))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                yield from self.leaves(s.get("items", {}), v, (*path, i))
        else:
            yield Leaf(path, s, value)


def _type(s: Schema) -> str:
    kind = s.get("type", "object" if "properties" in s else "")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    return str(kind)


def _string(s: Schema, name: str) -> str:
    form = s.get("format")
    if form == "uuid":
        return str(uuid.uuid4())
    if form == "date-time":
        return START.isoformat()
    if form == "date":
        return "1980-01-01"
    return "x" * max(s.get("minLength", 2), 2) if name != "lang" else "en"


def _number(s: Schema, name: str, kind: str) -> float | int:
    if name in {"lat", "lon"}:
        return {"lat": 31.7615, "lon": 35.2160}[name]
    low = s.get("minimum", s.get("exclusiveMinimum", 0))
    value = low + 1 if "maximum" not in s or s["maximum"] >= low + 1 else low
    return int(value) if kind == "integer" else float(value)


def _set(body: Any, path: Path, value: Any) -> Any:
    out = copy.deepcopy(body)
    at = out
    for p in path[:-1]:
        at = at[p]
    at[path[-1]] = value
    return out


def _dump(body: Any, raw: dict[str, str] | None = None) -> bytes:
    text = json.dumps(body)
    for marker, literal in (raw or {}).items():
        text = text.replace(json.dumps(marker), literal)
    return text.encode()


NAN = "__nan__"


def spoiled(
    bodies: Bodies, schema: Schema, body: Any, skip: frozenset[Path] = frozenset()
) -> Iterator[tuple[str, bytes, str]]:
    """(what, raw body, content type) for each way of spoiling a good body.

    With `skip` (the leaves spoiled already, in a smaller body), only the other leaves."""
    json_type = "application/json"
    if not skip:
        yield "malformed JSON", b'{"command_id": ', json_type
        yield "an array", b"[1, 2]", json_type
        yield "null", b"null", json_type
        yield "an empty body", b"", json_type
        yield "text/plain", _dump(body), "text/plain"
        if isinstance(body, dict):
            yield "an unknown field", _dump({**body, "zzz_unknown": 1}), json_type
    for leaf in bodies.leaves(schema, body):
        where = ".".join(str(p) for p in leaf.path)
        if not leaf.path or leaf.path in skip:
            continue
        if isinstance(leaf.value, bool):
            yield f"{where} not a boolean", _dump(_set(body, leaf.path, "maybe")), json_type
        elif isinstance(leaf.value, (int, float)):
            for literal in ("NaN", "Infinity", "-Infinity"):
                raw = _dump(_set(body, leaf.path, NAN), {NAN: literal})
                yield f"{where} {literal}", raw, json_type
            yield f"{where} a word", _dump(_set(body, leaf.path, "five")), json_type
            yield f"{where} 1e30", _dump(_set(body, leaf.path, 10**30)), json_type
            yield f"{where} -1e30", _dump(_set(body, leaf.path, -(10**30))), json_type
        elif isinstance(leaf.value, str):
            yield f"{where} a number", _dump(_set(body, leaf.path, 5)), json_type
            yield f"{where} an object", _dump(_set(body, leaf.path, {"a": 1})), json_type
            yield f"{where} 100k long", _dump(_set(body, leaf.path, "y" * 100_000)), json_type
            if leaf.schema.get("format") in {"uuid", "date-time", "date"} or "enum" in leaf.schema:
                yield f"{where} not one", _dump(_set(body, leaf.path, "zzz")), json_type
            else:
                yield f"{where} NUL", _dump(_set(body, leaf.path, "a\u0000b")), json_type


@dataclass(frozen=True)
class Case:
    route: str
    url: str
    role: Role
    what: str
    body: bytes
    content_type: str


# The roles tried, in order, for the one a route lets in: what a route refuses with 403 for
# one role must be sent as a role it serves, or a spoiled body taken would go unseen.
ROLES = (Role.ADMIN, Role.DISPATCHER, Role.MEDIC, Role.REGISTRAR, Role.HOSPITAL, Role.RESPONDER)


def _cases() -> list[Any]:
    out: list[Any] = []
    with api_kit() as k:
        spec = k.client.get("/api/v1/schema/openapi.json").json()
        bodies = Bodies(spec)
        for route, ops in sorted(spec["paths"].items()):
            op = ops.get("post", {})
            content = op.get("requestBody", {}).get("content", {}).get("application/json")
            if content is None:
                continue
            url = route
            for p in op.get("parameters", []):
                if p["in"] == "path":
                    url = url.replace("{" + p["name"] + "}", "nope_1")
            schema = content["schema"]
            # Spoiled one leaf at a time: each required leaf in a body of only those (which a
            # route is likelier to take unspoiled), each optional one in a body with them all.
            small, full = bodies.make(schema), bodies.make(schema, full=True)
            done = frozenset(leaf.path for leaf in bodies.leaves(schema, small))
            role = next(
                (r for r in ROLES if k.post(r, url, small).status_code not in {401, 403}),
                Role.ADMIN,
            )
            ways = [*spoiled(bodies, schema, small), *spoiled(bodies, schema, full, done)]
            for what, raw, ctype in ways:
                gap = KNOWN_GAPS.get((route, what))
                marks = [pytest.mark.xfail(strict=True, reason=gap)] if gap else []
                out.append(pytest.param(Case(route, url, role, what, raw, ctype), marks=marks))
    return out


CASES = _cases()


def test_every_json_route_is_covered() -> None:
    assert len({c.values[0].route for c in CASES}) >= 55  # type: ignore[attr-defined]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.route} {c.what}")
def test_a_spoiled_body_is_a_4xx_with_a_reason_and_appends_nothing(kit: Kit, case: Case) -> None:
    head = kit.log.head()
    r = kit.client.post(
        case.url,
        content=case.body,
        headers={**kit.auth(case.role), "Content-Type": case.content_type},
    )
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    assert r.json().get("reason"), r.text[:300]
    assert kit.log.head() == head


BAD_QUERY_VALUES = ("-1", "abc", "NaN", "Infinity", "1e999", "99999999999999999999999", "", "1.5")
BAD_PATH_IDS = ("%00", "a" * 3000, "..%2F..%2Fetc", "%FF", "-1")


def _reads() -> list[Any]:
    """(route, url, params) for each way of spoiling each GET route's query and path."""
    out: list[Any] = []
    with api_kit() as k:
        spec = k.client.get("/api/v1/schema/openapi.json").json()
    for route, ops in sorted(spec["paths"].items()):
        op = ops.get("get")
        if op is None or not route.startswith("/api/v1/") or route.startswith("/api/v1/schema"):
            continue
        params = op.get("parameters", [])
        in_path = [p["name"] for p in params if p["in"] == "path"]
        url = route
        for name in in_path:
            url = url.replace("{" + name + "}", "nope_1")
        needed = {
            p["name"]: "31.76" if p["name"] in {"lat", "lon"} else "1"
            for p in params
            if p["in"] == "query" and p.get("required")
        }
        for p in params:
            if p["in"] != "query":
                continue
            for value in BAD_QUERY_VALUES:
                out.append(
                    pytest.param(
                        route, url, {**needed, p["name"]: value}, id=f"{route} {p['name']}={value}"
                    )
                )
        for bad in BAD_PATH_IDS if in_path else ():
            spoilt = route
            for name in in_path:
                spoilt = spoilt.replace("{" + name + "}", bad)
            out.append(pytest.param(route, spoilt, needed, id=f"{route} id={bad[:12]}"))
    return out


@pytest.fixture(scope="module")
def town_kit() -> Iterator[Kit]:
    """With the town: guidance and dispatch answer only with one (else a 503, rightly)."""
    with api_kit(town=baka_pack()) as k:
        yield k


@pytest.mark.parametrize(("route", "url", "params"), _reads())
@pytest.mark.parametrize("role", [Role.ADMIN, Role.REGISTRAR, Role.MEDIC])
def test_a_spoiled_query_or_path_is_never_a_server_error(
    town_kit: Kit, route: str, url: str, params: dict[str, str], role: Role
) -> None:
    kit = town_kit
    head = kit.log.head()
    r = kit.client.get(url, params=params, headers=kit.auth(role))
    assert r.status_code < 500, (r.status_code, r.text[:300])
    if r.status_code >= 400:
        assert r.json().get("reason"), r.text[:300]
    assert kit.log.head() == head
