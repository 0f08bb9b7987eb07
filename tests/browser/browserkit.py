"""Helpers for the browser tests: a Magen server handle, page error watching, screenshots."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
PASSWORD = "browser tests only"  # every test account's
TZ = "Asia/Jerusalem"  # the town's clock, as on the phones and screens that use it
DUBNOV_13 = {"lat": 31.768189, "lon": 35.218725}  # a building in the Baka pack


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A running Magen server and an HTTP client for its API."""

    url: str
    db: Path
    process: subprocess.Popen[bytes]
    tokens: dict[str, str] = field(default_factory=dict)

    def token(self, username: str) -> str:
        if username not in self.tokens:
            r = httpx.post(
                f"{self.url}/api/v1/auth/token",
                json={"username": username, "password": PASSWORD},
                timeout=30,
            )
            r.raise_for_status()
            self.tokens[username] = r.json()["access_token"]
        return self.tokens[username]

    def headers(self, username: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(username)}"} if username else {}

    def post(
        self, username: str | None, path: str, body: dict[str, Any], *, command: bool = True
    ) -> httpx.Response:
        """POST a body; a command gets a fresh command id (a question, `command=False`, none)."""
        if command:
            body = {"command_id": str(uuid.uuid4()), **body}
        return httpx.post(
            f"{self.url}{path}", json=body, headers=self.headers(username), timeout=30
        )

    def get(self, username: str | None, path: str) -> httpx.Response:
        return httpx.get(f"{self.url}{path}", headers=self.headers(username), timeout=30)

    def picture(self, username: str = "dispatcher") -> dict[str, Any]:
        r = self.get(username, "/api/v1/picture")
        r.raise_for_status()
        return dict(r.json())


@dataclass
class PageErrors:
    """JavaScript errors a page raised; a test fails if there are any."""

    errors: list[str] = field(default_factory=list)

    def watch(self, page: Any) -> Any:
        page.on("pageerror", lambda e: self.errors.append(f"exception: {e}"))
        page.on("console", self._console)
        page.on("response", self._response)
        return page

    def _console(self, message: Any) -> None:
        # A refused page (403) or an offline fetch is reported as a failed resource; what
        # matters is the page's own errors, and its assets (checked in `_response`). Chromium
        # says the last when the network goes while the service worker's script downloads.
        network = (
            "Failed to load resource",
            "WebSocket connection to",
            "An unknown error occurred when fetching the script",
        )
        if message.type == "error" and not message.text.startswith(network):
            self.errors.append(f"console: {message.text}")

    def _response(self, response: Any) -> None:
        if response.status >= 400 and ("/static/" in response.url or "/vendor/" in response.url):
            self.errors.append(f"asset {response.url}: {response.status}")


def sign_in(context: Any, server: Server, username: str, then: str) -> Any:
    """Sign in through the login page (as a person would) and open a page."""
    page = context.new_page()
    page.goto(f"{server.url}/login?next={then}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form[data-login] button[type=submit]")
    return page


PHONE = {"width": 390, "height": 844}  # a phone's viewport
SCENE = {"latitude": 31.7652, "longitude": 35.2139, "accuracy": 8}  # a Baka street, GPS


def add_account(server: Server, username: str, role: str) -> None:
    """An account of this role on the session server (password `PASSWORD`)."""
    body = {"username": username, "password": PASSWORD, "role": role, "display_name": username}
    r = server.post("admin", "/api/v1/accounts", body)
    assert r.status_code == 201, r.text


def phone_context(browser: Any, where: dict[str, float] = SCENE, locale: str = "en-GB") -> Any:
    """A phone's browser context on the town's clock, its GPS giving `where`."""
    return browser.new_context(
        timezone_id=TZ,
        viewport=PHONE,
        locale=locale,
        geolocation=where,
        permissions=["geolocation"],
    )


def checked_in(page: Any) -> Any:
    """The responder page drawn, checked in with its form as it stands if not yet."""
    page.wait_for_selector("body[data-ready]")
    if page.locator("[data-checkin]").is_visible():
        page.click("[data-checkin-form] button")
        page.locator("[data-checkin]").wait_for(state="hidden")
    return page


def responder_phone(
    browser: Any, server: Server, username: str, page_errors: PageErrors
) -> tuple[Any, Any]:
    """`username`'s phone on /responder in English, GPS allowed, drawn and checked in."""
    context = phone_context(browser)
    page = page_errors.watch(sign_in(context, server, username, "/responder?lang=en"))
    return context, checked_in(page)


def screenshot(page: Any, name: str) -> Path:
    """Save a screenshot under test-artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def drawn_off_by_px(
    page: Any,
    map_js: str,
    selector: str,
    coordinates: list[list[float]],
    *,
    within_px: float = 1.5,
    settle_s: float = 5.0,
) -> float:
    """How far (pixels) the box of a drawn line is from the box of the points it should join.

    `map_js` names the page's Leaflet map; `coordinates` are WGS84 [lon, lat] pairs. The map
    may still be animating a zoom or pan to the line: this measures again until the offset is
    within `within_px` or `settle_s` has passed, and returns the last measure.
    """
    deadline = time.monotonic() + settle_s
    while True:
        off = float(
            page.evaluate(
                """([mapJs, selector, coords]) => {
                const map = eval(mapJs);
                const box = map.getContainer().getBoundingClientRect();
                const el = document.querySelector(selector).getBoundingClientRect();
                const pts = coords.map(([lon, lat]) => map.latLngToContainerPoint([lat, lon]));
                const xs = pts.map(p => p.x + box.x), ys = pts.map(p => p.y + box.y);
                // An SVG element's box is its geometry's, without the stroke.
                return Math.max(
                    Math.abs(el.left - Math.min(...xs)), Math.abs(el.right - Math.max(...xs)),
                    Math.abs(el.top - Math.min(...ys)), Math.abs(el.bottom - Math.max(...ys)));
            }""",
                [map_js, selector, coordinates],
            )
        )
        if off < within_px or time.monotonic() > deadline:
            return off
        page.wait_for_timeout(100)


# A casualty a responder finds, triages (START: not walking, breathing 36 a minute: red) and
# treats with a tourniquet on the right leg, as the hospital desks' tests receive them.
SCENE = {"lat": 31.7652, "lon": 35.2139}
RED = {"walks": False, "breathes": True, "respiratory_rate": 36}


def casualty_on_its_way(
    server: Server, *, tag: str, place: str, description: dict[str, Any], vehicle: str, to: str
) -> str:
    """officer1 records a casualty with a tourniquet and sends it to hospital `to`; its id."""
    body = {
        "tag": tag,
        "where": SCENE,
        "place": place,
        "description": description,
        "protocol": "start",
        "answers": RED,
    }
    recorded = server.post("officer1", "/api/v1/casualties", body)
    assert recorded.status_code == 201, recorded.text
    casualty = str(recorded.json()["id"])
    treated = server.post(
        "officer1",
        f"/api/v1/casualties/{casualty}/interventions",
        {"kind": "tourniquet", "site": "right_leg"},
    )
    assert treated.status_code == 201, treated.text
    ride = {"vehicle": vehicle, "vehicle_kind": "intensive_care_ambulance", "destination": to}
    sent = server.post("officer1", f"/api/v1/casualties/{casualty}/evacuate", ride)
    assert sent.status_code == 201, sent.text
    return casualty


def casualty_status(server: Server, username: str, casualty: str) -> str:
    """A casualty's status on the board `username` sees."""
    board = server.get(username, "/api/v1/casualties")
    board.raise_for_status()
    return str({c["id"]: c for c in board.json()}[casualty]["status"])


POSTER = "volunteer1"  # the responder whose position reports keep the feed busy


@contextmanager
def busy_feed(server: Server, per_s: float = 10.0) -> Iterator[list[int]]:
    """A responder's position reports posted through the API about `per_s` times a second
    (POSTER checked in first); yields the count posted so far, in a one-item list."""
    r = server.post(
        POSTER,
        "/api/v1/responders/check-in",
        {"kind": "volunteer", "capabilities": ["medic"], "where": {"lat": 31.7600, "lon": 35.2100}},
    )
    assert r.status_code in (200, 201, 409), r.text
    stop = threading.Event()
    posted = [0]

    def post() -> None:
        n, start = 0, time.monotonic()
        while not stop.is_set():
            n += 1
            where = {"lat": 31.7600 + (n % 20) * 0.00005, "lon": 35.2100}
            server.post(POSTER, "/api/v1/responders/position", {"where": where})
            posted[0] += 1
            stop.wait(max(0.0, start + n / per_s - time.monotonic()))  # on a schedule

    thread = threading.Thread(target=post, daemon=True)
    thread.start()
    try:
        yield posted
    finally:
        stop.set()
        thread.join(5)


def fake_track(
    tid: str,
    lat: float,
    minutes_ago: float,
    *,
    count: tuple[int, int, int] = (4, 3, 5),
    **extra: Any,
) -> dict[str, Any]:
    """A threat track in the shape of the picture's own view (app/picture_views.py), for a
    console served a routed picture: last seen `minutes_ago` (stale past 5), `count` as
    (estimate, low, high), one uncorroborated report; `extra` overrides any field."""
    seen = (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat()
    estimate, low, high = count
    return {
        "id": tid,
        "status": "stale" if minutes_ago > 5 else "new",
        "open": True,
        "confirmed": False,
        "lat": lat,
        "lon": 35.2120,
        "position_error_m": 40.0,
        "heading_deg": None,
        "mobility": "on_foot",
        "armed": "yes",
        "count": {"estimate": estimate, "low": low, "high": high, "claims": 1},
        "confidence": {"level": "uncorroborated", "score": 0.15, "reporters": 1},
        "sightings": 1,
        "first_seen": seen,
        "last_seen": seen,
        **extra,
    }
