"""The registrar's desk in real headless Chromium against a real server.

A family files a report from its own account; the registrar, at the desk, checks a survivor
in, runs matching, reads the proposal and its reasons, confirms it with words for the
family, and records telling them; the family's own view then shows the outcome.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from browser.browserkit import TZ, PageErrors, Server, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server and a real browser

DESK_VIEWPORT = {"width": 1440, "height": 1000}
WAIT_MS = 30_000  # the first matching run loads the engine


@pytest.fixture
def desk(browser: Any, server: Server, page_errors: PageErrors) -> Iterator[Any]:
    """The desk in English, signed in through /login as the registrar, its board drawn."""
    context = browser.new_context(timezone_id=TZ, viewport=DESK_VIEWPORT, locale="en-GB")
    page = page_errors.watch(sign_in(context, server, "registrar", "/registry?lang=en"))
    assert "/registry" in page.url
    page.wait_for_selector("body[data-ready='1']")
    page.wait_for_selector("#mode[data-mode=live]")
    try:
        yield page
    finally:
        context.close()


def _family_report(server: Server, body: dict[str, Any]) -> str:
    r = server.post("family1", "/api/v1/persons/missing", body)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _family_sees(server: Server, report_id: str) -> dict[str, Any]:
    r = server.get("family1", "/api/v1/persons/family")
    assert r.status_code == 200, r.text
    (mine,) = [x for x in r.json()["reports"] if x["report_id"] == report_id]
    return dict(mine)


def _report(server: Server, report_id: str) -> dict[str, Any]:
    """The report in full with every match that names it, as the registrar reads it."""
    r = server.get("registrar", f"/api/v1/persons/missing/{report_id}")
    assert r.status_code == 200, r.text
    return dict(r.json())


def _board_match(server: Server, report_id: str) -> dict[str, Any]:
    (match,) = [m for m in _report(server, report_id)["matches"] if m["report_id"] == report_id]
    return dict(match)


def _run_matching(desk: Any) -> str:
    desk.click("[data-run]")
    result = desk.locator("[data-run-result]")
    result.wait_for(state="visible", timeout=WAIT_MS)
    return str(result.inner_text())


def test_a_family_is_reunited_through_the_desk(desk: Any, server: Server) -> None:
    tag = uuid.uuid4().hex[:4]
    surname = f"Abergil{tag}"
    report_id = _family_report(
        server,
        {
            "name": {"full_name": f"Yael {surname}", "alternates": [f"יעל אברג'יל{tag}"]},
            "date_of_birth": "1987-05-12",
            "description": {"sex": "female", "hair": "black", "clothing": "green jacket"},
            "last_seen_place": "Emek Refaim 40",
        },
    )
    assert _family_sees(server, report_id)["status"] == "searching"

    # A live event (the family's report) reaches the list of reports without a reload.
    desk.fill("[data-search]", surname.lower())
    row = desk.locator("[data-report-list] li[data-id]")
    row.first.wait_for()
    assert row.count() == 1
    assert "Searching" in row.first.inner_text()
    desk.fill("[data-search]", f"אברג'יל{tag}")  # any script, any of the names
    assert desk.locator(f'[data-report-list] li[data-id="{report_id}"]').count() == 1

    # The survivor walks into the shelter desk.
    desk.click("[data-check-in-box] summary")
    form = desk.locator("[data-check-in-form]")
    form.locator("input[name=full_name]").fill(f"Yael {surname}")
    form.locator("input[name=date_of_birth]").fill("1987-05-12")
    form.locator("select[name=sex]").select_option("female")
    form.locator("input[name=hair]").fill("black")
    form.locator("input[name=place]").fill("Baka community centre shelter")
    form.locator("button[type=submit]").click()
    done = form.locator("[data-form-done]")
    done.wait_for(state="visible")
    assert f"Yael {surname} checked in safe." == done.inner_text()
    assert form.locator("input[name=full_name]").input_value() == ""  # ready for the next one

    outcome = _run_matching(desk)
    found = re.fullmatch(
        r"Matching done at [0-9:]+\. New proposals: (\d+) \(comparisons: \d+\)\.", outcome
    )
    assert found is not None, outcome
    assert int(found.group(1)) >= 1
    match_id = _board_match(server, report_id)["match_id"]
    card = desk.locator(f'[data-match-list] li[data-id="{match_id}"]')
    card.wait_for()
    text = card.inner_text()
    assert f"Yael {surname}" in text
    assert "Emek Refaim 40" in text
    assert "CHECKED IN SAFE" in text.upper()
    assert "Baka community centre shelter" in text  # …beside the candidate
    why = card.locator(".why").inner_text()
    assert "For" in why  # the reasons in the desk's language, for and against
    assert "birth date" in why
    assert "%" in card.locator(".score").inner_text()
    screenshot(desk, "registry-desk-en")

    card.locator("button.yes").click()
    release = card.locator("textarea[name=release]")
    assert release.input_value() == "Found safe."  # a sensible default, ready to send
    message = f"Yael is safe at the Baka community centre shelter ({tag})."
    release.fill(message)
    with desk.expect_response(lambda r: r.url.endswith(f"/{match_id}/confirm")) as sent:
        card.locator(".decide button.yes").click()
    assert sent.value.status == 201
    card.wait_for(state="detached")
    assert "Match confirmed" in desk.locator("[data-match-done]").inner_text()

    waiting = desk.locator(f'[data-tell-list] li[data-id^="{report_id}|"]')
    waiting.wait_for()
    assert message in waiting.inner_text()
    assert "family1 (test)" in waiting.inner_text()  # who to tell, by name
    screenshot(desk, "registry-to-tell-en")
    waiting.locator("select[name=channel]").select_option("phone")
    waiting.locator("input[name=note]").fill("spoke to her brother")
    waiting.locator("button[type=submit]").click()
    waiting.wait_for(state="detached")
    assert "was told" in desk.locator("[data-tell-done]").inner_text()

    seen = _family_sees(server, report_id)
    assert (seen["status"], seen["outcome"], seen["message"]) == ("found", "safe", message)
    assert len(seen["told_at"]) == 1
    report = _report(server, report_id)["report"]
    assert [(n["channel"], n["note"]) for n in report["notifications"]] == [
        ("phone", "spoke to her brother")
    ]
    desk.select_option("[data-status-filter]", "found")
    desk.fill("[data-search]", surname)
    assert (
        "Found · Safe" in desk.locator(f'[data-report-list] li[data-id="{report_id}"]').inner_text()
    )


def test_a_wrong_match_is_rejected_with_a_reason(
    browser: Any, desk: Any, server: Server, page_errors: PageErrors
) -> None:
    tag = uuid.uuid4().hex[:4]
    report_id = _family_report(
        server,
        {
            "name": {"full_name": f"Omar Haddad{tag}", "alternates": [f"עומר חדאד{tag}"]},
            "age": {"min_years": 30, "max_years": 35},
            "description": {"sex": "male"},
            "last_seen_place": "Beit Lehem Road",
        },
    )
    r = server.post(
        "registrar",
        "/api/v1/persons/survivors",
        {
            "name": {"full_name": f"Omar Haddad{tag}", "alternates": [f"عمر حداد{tag}"]},
            "age": {"min_years": 30, "max_years": 40},
            "place": "Katamon school",
        },
    )
    assert r.status_code == 201, r.text
    _run_matching(desk)
    match_id = _board_match(server, report_id)["match_id"]
    card = desk.locator(f'[data-match-list] li[data-id="{match_id}"]')
    card.wait_for()

    # The same proposal on the Hebrew desk, right to left.
    context = browser.new_context(timezone_id=TZ, viewport=DESK_VIEWPORT, locale="he-IL")
    try:
        he = page_errors.watch(sign_in(context, server, "registrar", "/registry?lang=he"))
        he.wait_for_selector("body[data-ready='1']")
        he.locator(f'[data-match-list] li[data-id="{match_id}"]').wait_for()
        assert he.locator("html").get_attribute("dir") == "rtl"
        assert "התאמות להכרעה" in he.locator("#matches h2").inner_text()
        screenshot(he, "registry-desk-he")
    finally:
        context.close()

    card.locator("button.no").click()
    card.locator(".decide button.no").click()  # no reason given yet
    error = card.locator(".decide .error")
    assert error.inner_text() == "Write the reason."
    card.locator("input[name=reason]").fill("different father's name; he is at home")
    card.locator(".decide button.no").click()
    card.wait_for(state="detached")
    match = _board_match(server, report_id)
    assert (match["status"], match["reason"]) == (
        "rejected",
        "different father's name; he is at home",
    )
    assert _family_sees(server, report_id)["status"] == "searching"  # nothing told
    assert desk.locator(f'[data-tell-list] li[data-id^="{report_id}|"]').count() == 0


def test_a_lost_feed_says_the_desk_is_not_current(desk: Any, server: Server) -> None:
    banner = desk.locator("[data-stale]")
    assert banner.is_hidden()
    desk.context.set_offline(True)
    banner.wait_for(state="visible", timeout=5000)
    assert banner.inner_text().startswith("NOT CURRENT")
    assert desk.locator("#mode").get_attribute("data-mode") == "lost"
    desk.context.set_offline(False)
    banner.wait_for(state="hidden", timeout=15_000)
    desk.wait_for_selector("#mode[data-mode=live]")
    # Back live, it catches up with what happened meanwhile.
    tag = uuid.uuid4().hex[:4]
    hostile = '<img src=x onerror="window.pwned=1">'
    report_id = _family_report(
        server, {"name": {"full_name": f"Late Report{tag}", "alternates": [hostile]}}
    )
    row = desk.locator(f'[data-report-list] li[data-id="{report_id}"]')
    row.wait_for(timeout=5000)
    # What a family typed is shown as text, never run.
    assert hostile in row.inner_text()
    assert row.locator("img").count() == 0
    assert desk.evaluate("window.pwned") is None


def test_a_death_is_confirmed_only_when_identified_and_told_in_person(
    desk: Any, server: Server
) -> None:
    tag = uuid.uuid4().hex[:4]
    name = {"full_name": f"Miriam Katzenelson{tag}"}
    report_id = _family_report(
        server,
        {
            "name": name,
            "age": {"min_years": 70, "max_years": 80},
            "description": {"sex": "female", "hair": "grey"},
            "last_seen_place": "Derech Hevron 12",
        },
    )
    r = server.post(
        "dispatcher",
        "/api/v1/casualties",
        {
            "tag": f"T-{tag}",
            "place": "Derech Hevron 14",
            "description": {
                "sex": "female",
                "age": {"min_years": 70, "max_years": 85},
                "hair": "grey",
            },
        },
    )
    assert r.status_code == 201, r.text
    casualty = str(r.json()["id"])
    path = f"/api/v1/casualties/{casualty}"
    assert server.post("registrar", f"{path}/death", {"place": "scene"}).status_code == 201
    provisional = {"name": name, "identified_by": "neighbour", "method": "documents"}
    r = server.post("registrar", f"{path}/identify", {**provisional, "status": "provisional"})
    assert r.status_code == 201, r.text

    _run_matching(desk)
    match_id = _board_match(server, report_id)["match_id"]
    card = desk.locator(f'[data-match-list] li[data-id="{match_id}"]')
    card.wait_for()
    candidate = card.locator("[data-candidate]").inner_text()
    assert f"Tag T-{tag.upper()}" in candidate  # tags are kept as printed, upper case
    assert "deceased" in candidate
    assert "provisionally identified" in candidate
    assert "Deceased" in card.locator(".head").inner_text()

    # Not formally identified: the desk says so, offers no way to confirm yet, and offers
    # the identification instead.
    card.locator(".acts button.yes").click()
    assert "only provisionally identified" in card.locator(".decide .warn").inner_text()
    assert card.locator(".decide textarea[name=release]").count() == 0
    assert card.locator(".decide [data-identify-form]").is_visible()
    card.locator(".decide button", has_text="Cancel").click()

    formal = {**provisional, "identified_by": "forensic team", "method": "dental"}
    r = server.post("registrar", f"{path}/identify", {**formal, "status": "identified"})
    assert r.status_code == 201, r.text
    card.locator("[data-candidate]", has_text="formally identified").wait_for()  # live
    card.locator(".acts button.yes").click()
    assert "told in person" in card.locator(".decide .warn").inner_text()
    release = card.locator("textarea[name=release]")
    assert release.input_value() == "A registrar will meet you in person."
    screenshot(desk, "registry-death-confirm-en")
    card.locator(".decide button.yes").click()
    card.wait_for(state="detached")
    # The family's page does not show a death before someone has told them.
    assert _family_sees(server, report_id)["status"] == "searching"

    waiting = desk.locator(f'[data-tell-list] li[data-id^="{report_id}|"]')
    waiting.wait_for()
    assert "Deceased" in waiting.inner_text()
    assert waiting.locator("[data-in-person]").is_visible()
    channel = waiting.locator("select[name=channel]")
    assert channel.input_value() == "in_person"
    assert waiting.locator("option[value=phone]").is_disabled()
    screenshot(desk, "registry-death-en")
    waiting.locator("button[type=submit]").click()
    waiting.wait_for(state="detached")
    seen = _family_sees(server, report_id)
    assert (seen["status"], seen["outcome"]) == ("found", "deceased")
    assert seen["message"] == "A registrar will meet you in person."


def test_the_desk_files_a_report_for_a_family_that_phoned(desk: Any, server: Server) -> None:
    tag = uuid.uuid4().hex[:4]
    desk.click("[data-report-box] summary")
    form = desk.locator("[data-report-form]")
    form.locator("input[name=full_name]").fill(f"אליהו מזרחי{tag}")
    form.locator("input[name=alternates]").fill(f"Eliyahu Mizrahi{tag}, إلياهو مزراحي")
    form.locator("input[name=age]").fill("8-10")
    form.locator("select[name=sex]").select_option("male")
    form.locator("input[name=clothing]").fill("blue school uniform")
    form.locator("input[name=last_seen_place]").fill("Baka school gate")
    submit = form.locator("button[type=submit]")
    error = form.locator("[data-form-error]")
    submit.click()  # no way to reach the family yet
    assert error.inner_text().startswith("How do we reach the family?")
    assert form.locator("input[name=full_name]").input_value() == f"אליהו מזרחי{tag}"
    form.locator("input[name=family_username]").fill("nobody-here")
    submit.click()
    error.wait_for(state="visible")
    assert error.inner_text() == "No resident account has the username nobody-here."
    form.locator("input[name=age]").fill("ten")
    submit.click()
    assert error.inner_text() == "An age is a number or a range like 30-40."
    form.locator("input[name=age]").fill("8-10")
    form.locator("input[name=family_username]").fill("family1")
    with desk.expect_response(lambda r: r.url.endswith("/api/v1/persons/missing")) as sent:
        submit.click()
    assert sent.value.status == 201
    done = form.locator("[data-form-done]")
    done.wait_for(state="visible")
    assert done.inner_text() == f"Report filed for אליהו מזרחי{tag}."
    assert form.locator("input[name=full_name]").input_value() == ""
    report_id = sent.value.json()["id"]
    report = _report(server, report_id)["report"]
    assert report["name"]["alternates"] == [f"Eliyahu Mizrahi{tag}", "إلياهو مزراحي"]
    assert report["age"] == {"min_years": 8, "max_years": 10}
    assert report["description"]["clothing"] == "blue school uniform"
    assert _family_sees(server, report_id)["status"] == "searching"  # family1 follows it
    # Found by any of its names, in any script.
    desk.fill("[data-search]", "مزراحي")
    desk.locator(f'[data-report-list] li[data-id="{report_id}"]').wait_for()


def test_a_desk_in_another_zone_reads_times_on_the_town_s_clock_and_dates_day_first(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    # A desk set to New York time (a volunteer abroad, a laptop never set): the time typed is
    # the town's, as the family page reads it, never this machine's.
    context = browser.new_context(
        timezone_id="America/New_York", viewport=DESK_VIEWPORT, locale="en-GB"
    )
    try:
        desk = page_errors.watch(sign_in(context, server, "registrar", "/registry?lang=en"))
        desk.wait_for_selector("body[data-ready='1']")
        town = ZoneInfo(TZ)
        typed = (datetime.now(town) - timedelta(days=2)).replace(
            hour=20, minute=0, second=0, microsecond=0
        )
        desk.click("[data-report-box] summary")
        form = desk.locator("[data-report-form]")
        form.locator("input[name=full_name]").fill(f"Zohar Ben Ami {uuid.uuid4().hex[:4]}")
        form.locator("input[name=last_seen_at]").fill(typed.strftime("%Y-%m-%dT%H:%M"))
        form.locator("input[name=date_of_birth]").fill("4.5.1990")  # day first, as in Israel
        form.locator("input[name=family_username]").fill("family1")
        with desk.expect_response(lambda r: r.url.endswith("/api/v1/persons/missing")) as sent:
            form.locator("button[type=submit]").click()
        assert sent.value.status == 201, sent.value.text()
        report = _report(server, sent.value.json()["id"])["report"]
        assert datetime.fromisoformat(report["last_seen_at"]) == typed
        assert report["date_of_birth"] == "1990-05-04"
    finally:
        context.close()


def test_a_feed_that_never_comes_up_says_the_desk_is_not_current(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    context = browser.new_context(timezone_id=TZ, viewport=DESK_VIEWPORT, locale="en-GB")
    # The socket is accepted but nothing ever comes through it (a proxy that swallows it).
    context.route_web_socket(re.compile(r".*/api/v1/live.*"), lambda ws: None)
    try:
        page = page_errors.watch(sign_in(context, server, "registrar", "/registry?lang=en"))
        page.wait_for_selector("body[data-ready='1']")
        banner = page.locator("[data-stale]")
        banner.wait_for(state="visible", timeout=15_000)
        assert banner.inner_text().startswith("NOT CURRENT")
        assert page.locator("#mode").get_attribute("data-mode") == "lost"
    finally:
        context.close()


def test_the_desk_finds_a_report_beyond_the_newest_page_by_any_name(
    desk: Any, server: Server
) -> None:
    """The desk lists the newest page of reports; the server finds any other by name."""
    tag = uuid.uuid4().hex[:4]
    old = _family_report(
        server,
        {"name": {"full_name": f"Samir Khoury{tag}", "alternates": [f"سَمِير خُوري{tag}"]}},
    )
    for i in range(55):  # the report falls off the newest page
        _family_report(server, {"name": {"full_name": f"Filler {tag} {i}"}})
    _searched(desk, f"filler {tag}")
    more = desk.locator("[data-pager]")
    assert more.is_visible()
    assert _plain(more.locator("[data-page-at]").inner_text()) == "Showing 1–50 of 55"
    assert desk.locator("#reports [data-count]").inner_text() == "55"
    assert desk.locator("[data-report-list] li[data-id]").count() == 50
    with desk.expect_response(lambda r: "/api/v1/persons/search?" in r.url) as asked:
        desk.fill("[data-search]", f"سمير خوري{tag}")  # Arabic, typed without harakat
    assert asked.value.status == 200
    row = desk.locator(f'[data-report-list] li[data-id="{old}"]')
    row.wait_for()
    assert desk.locator("[data-report-list] li[data-id]").count() == 1
    assert more.is_hidden()


def test_an_unchanged_board_is_revalidated_not_downloaded(desk: Any) -> None:
    """Each live refresh asks again; what did not change comes back as 304, with no body."""
    sent: list[tuple[str, str | None, str | None]] = []

    def seen(response: Any) -> None:
        if "/api/v1/persons/board" in response.url:
            asked = response.request.all_headers().get("if-none-match")
            sent.append((response.url, asked, response.headers.get("etag")))

    desk.on("response", seen)
    for _ in range(2):
        with desk.expect_response(lambda r: "/api/v1/persons/board" in r.url):
            desk.evaluate("window.magenRegistry.load()")
    (_, _, etag), (_, asked, again) = sent[-2:]
    assert etag is not None
    assert (asked, again) == (etag, etag)  # the browser revalidated what it had


# --- the reports a page at a time --------------------------------------------------------------

# Where (x, in px) each of these strings begins on screen inside an element.
_LEFT_OF_JS = """([selector, words]) => {
    const walker = document.createTreeWalker(
        document.querySelector(selector), NodeFilter.SHOW_TEXT);
    const at = {};
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        for (const w of words) {
            const i = n.data.indexOf(w);
            if (i < 0 || w in at) continue;
            const r = document.createRange();
            r.setStart(n, i);
            r.setEnd(n, i + w.length);
            at[w] = r.getBoundingClientRect().left;
        }
    }
    return words.map(w => at[w]);
}"""


def _fillers(server: Server, n: int) -> tuple[str, list[str]]:
    """n reports named "Pager <tag> <i>", filed in order (the last is the newest)."""
    tag = uuid.uuid4().hex[:6]
    return tag, [
        _family_report(server, {"name": {"full_name": f"Pager {tag} {i:03d}"}}) for i in range(n)
    ]


def _searched(page: Any, q: str) -> None:
    """Type a search and wait for the server's answer to it to be drawn."""
    page.fill("[data-search]", q)
    page.wait_for_function(
        "(q) => window.magenRegistry.data.found.q === q && "
        "document.querySelector('[data-report-list] li') !== null",
        arg=q,
    )


def _plain(text: str) -> str:
    """Text without the marks that keep numbers left to right (in English they change nothing)."""
    return text.replace("\u2066", "").replace("\u2069", "")


def _page(page: Any) -> tuple[str, bool, bool, list[str]]:
    """What the pager says, whether previous and next may be pressed, and the rows' names."""
    pager = page.locator("[data-pager]")
    names = page.locator("[data-report-list] li[data-id] b").all_inner_texts()
    return (
        pager.locator("[data-page-at]").inner_text(),
        pager.locator("[data-page-prev]").is_enabled(),
        pager.locator("[data-page-next]").is_enabled(),
        names,
    )


def _page_en(page: Any) -> tuple[str, bool, bool, list[str]]:
    said, back, on, rows = _page(page)
    return _plain(said), back, on, rows


def _turn(page: Any, which: str, offset: int) -> None:
    with page.expect_response(
        lambda r: "/api/v1/persons/search?" in r.url and f"offset={offset}&" in r.url
    ):
        page.click(f"[data-page-{which}]")
    page.wait_for_function(
        "(o) => window.magenRegistry.data.found.offset === o && "
        "document.querySelector('[data-report-list] li[data-id]') !== null",
        arg=offset,
    )


def test_the_desk_pages_through_the_reports_a_search_finds(desk: Any, server: Server) -> None:
    tag, ids = _fillers(server, 120)
    names = [f"Pager {tag} {i:03d}" for i in range(120)][::-1]  # newest first
    _searched(desk, f"pager {tag}")
    pager = desk.locator("[data-pager]")
    assert _page_en(desk) == ("Showing 1–50 of 120", False, True, names[:50])  # the first page
    assert desk.locator("#reports [data-count]").inner_text() == "120"

    _turn(desk, "next", 50)
    assert _page_en(desk) == ("Showing 51–100 of 120", True, True, names[50:100])
    _turn(desk, "next", 100)
    # The last page: only what is left, and no next.
    assert _page_en(desk) == ("Showing 101–120 of 120", True, False, names[100:])
    assert desk.evaluate("document.activeElement.hasAttribute('data-page-prev')")
    screenshot(desk, "registry-pages-en")
    _turn(desk, "prev", 50)
    assert _page_en(desk) == ("Showing 51–100 of 120", True, True, names[50:100])

    # A live refresh keeps the page the registrar is on.
    with desk.expect_response(lambda r: "offset=50&" in r.url):
        _family_report(server, {"name": {"full_name": f"Pager {tag} late"}})
    desk.wait_for_function("document.querySelector('[data-page-at]').textContent.includes('121')")
    assert _page_en(desk)[0] == "Showing 51–100 of 121"

    # Another search begins at its newest; one page needs no pager.
    _searched(desk, f"pager {tag} 11")  # 110 to 119
    desk.locator(f'[data-report-list] li[data-id="{ids[110]}"]').wait_for()
    assert pager.is_hidden()
    assert desk.locator("[data-report-list] li[data-id]").count() == 10
    _searched(desk, f"pager {tag}")
    assert _page_en(desk)[:3] == ("Showing 1–50 of 121", False, True)


@pytest.mark.parametrize(
    ("lang", "at", "prev", "next_"),
    [
        ("ar", "يُعرض {r} من {t}", "→ السابقة", "التالية ←"),
        ("he", "מוצגים {r} מתוך {t}", "→ הקודמים", "הבאים ←"),
    ],
)
def test_the_pages_turn_right_to_left_in_arabic_and_hebrew(
    browser: Any,
    server: Server,
    page_errors: PageErrors,
    lang: str,
    at: str,
    prev: str,
    next_: str,
) -> None:
    tag, _ = _fillers(server, 60)
    context = browser.new_context(timezone_id=TZ, viewport=DESK_VIEWPORT, locale=lang)
    try:
        page = page_errors.watch(sign_in(context, server, "registrar", f"/registry?lang={lang}"))
        page.wait_for_selector("body[data-ready='1']")
        assert page.locator("html").get_attribute("dir") == "rtl"
        _searched(page, f"pager {tag}")
        pager = page.locator("[data-pager]")
        ltr = "\u2066{}\u2069".format
        said, back, on, _ = _page(page)
        assert (said, back, on) == (at.format(r=ltr("1–50"), t=ltr("60")), False, True)
        assert pager.locator("[data-page-prev]").inner_text() == prev
        assert pager.locator("[data-page-next]").inner_text() == next_
        # Right to left: the previous page on the right, the next on the left…
        prev_box = pager.locator("[data-page-prev]").bounding_box()
        next_box = pager.locator("[data-page-next]").bounding_box()
        assert prev_box["x"] > next_box["x"]
        _turn(page, "next", 50)
        said, back, on, rows = _page(page)
        assert (said, back, on) == (at.format(r=ltr("51–60"), t=ltr("60")), True, False)
        assert len(rows) == 10
        # …and the numbers still read left to right: 51–60, not 60–51.
        first, last = page.evaluate(_LEFT_OF_JS, ["[data-page-at]", ["51", "60"]])
        assert first < last
        screenshot(page, f"registry-pages-{lang}")
        _turn(page, "prev", 0)
        assert _page(page)[:3] == (at.format(r=ltr("1–50"), t=ltr("60")), False, True)
    finally:
        context.close()


# --- a report's notes, opened on demand ----------------------------------------------------------


def _note(server: Server, report_id: str, text: str, status: str) -> None:
    body = {"author_name": "Person Finder volunteer", "text": text, "status": status}
    r = server.post("registrar", f"/api/v1/persons/missing/{report_id}/notes", body)
    assert r.status_code == 201, r.text


def test_a_reports_notes_are_opened_under_its_card_not_sent_with_the_board(
    browser: Any, desk: Any, server: Server, page_errors: PageErrors
) -> None:
    tag = uuid.uuid4().hex[:4]
    report_id = _family_report(server, {"name": {"full_name": f"Dalia Peretz{tag}"}})
    _note(server, report_id, f"Seen at the Talpiot bus stop ({tag}).", "believed_alive")
    _note(server, report_id, f"نقلت إلى المستشفى ({tag})", "information_sought")
    r = server.post(
        "registrar",
        "/api/v1/persons/survivors",
        {"name": {"full_name": f"Dalia Peretz{tag}"}, "place": "Talpiot shelter"},
    )
    assert r.status_code == 201, r.text
    boards: list[bytes] = []
    desk.on(
        "response",
        lambda resp: (
            boards.append(resp.body())
            if "/api/v1/persons/board" in resp.url and resp.status == 200
            else None
        ),
    )
    proposal = {
        "report_id": report_id,
        "candidate_kind": "survivor",
        "candidate_id": r.json()["id"],
        "score": 0.8,
        "explanation": "the name agrees",
    }
    match = server.post("registrar", "/api/v1/persons/matches", proposal)
    assert match.status_code == 201, match.text
    card = desk.locator(f'[data-match-list] li[data-id="{match.json()["id"]}"]')
    card.wait_for()
    toggle = card.locator(f'button[data-notes="{report_id}"]')
    assert toggle.inner_text() == "Notes (2)"
    assert toggle.get_attribute("aria-expanded") == "false"
    assert any(report_id.encode() in b for b in boards)  # the card came with a board…
    assert not any(b"Talpiot bus stop" in b for b in boards)  # …that did not carry its notes
    assert card.locator(".notes").count() == 0

    with desk.expect_response(lambda resp: f"/api/v1/persons/missing/{report_id}" in resp.url):
        toggle.click()
    notes = card.locator(".notes .note-list > li")
    notes.nth(1).wait_for()
    assert toggle.get_attribute("aria-expanded") == "true"
    first, second = notes.all_inner_texts()
    assert f"Seen at the Talpiot bus stop ({tag})." in first
    assert "believed alive" in first
    assert "Person Finder volunteer" in first
    assert "seeking information" in second
    assert card.locator(".notes p[dir=auto]").nth(1).inner_text() == f"نقلت إلى المستشفى ({tag})"
    screenshot(desk, "registry-notes-en")

    # A note added meanwhile reaches the open panel with the next refresh.
    _note(server, report_id, f"Her brother phoned ({tag}).", "believed_alive")
    notes.nth(2).wait_for()
    assert card.locator(f'button[data-notes="{report_id}"]').inner_text() == "Notes (3)"
    assert card.locator(f'button[data-notes="{report_id}"]').get_attribute("aria-expanded") == (
        "true"
    )
    card.locator(f'button[data-notes="{report_id}"]').click()
    assert card.locator(".notes").count() == 0

    # The same notes on the Arabic desk, right to left.
    context = browser.new_context(timezone_id=TZ, viewport=DESK_VIEWPORT, locale="ar")
    try:
        ar = page_errors.watch(sign_in(context, server, "registrar", "/registry?lang=ar"))
        ar.wait_for_selector("body[data-ready='1']")
        there = ar.locator(f'[data-match-list] li[data-id="{match.json()["id"]}"]')
        opener = there.locator(f'button[data-notes="{report_id}"]')
        assert opener.inner_text() == "ملاحظات (3)"
        opener.click()
        shown = there.locator(".notes .note-list > li")
        shown.nth(2).wait_for()
        assert "يُعتقد أنه حي" in shown.nth(0).inner_text()
        assert "يُطلب معلومات" in shown.nth(1).inner_text()
        # The Arabic note is laid out right to left, the English ones left to right.
        directions = there.locator(".notes p[dir=auto]").evaluate_all(
            "ps => ps.map(p => getComputedStyle(p).direction)"
        )
        assert directions == ["ltr", "rtl", "ltr"]
        screenshot(ar, "registry-notes-ar")
    finally:
        context.close()

    # Decided, it leaves the board the other desks' tests share.
    r = server.post(
        "registrar",
        f"/api/v1/persons/matches/{match.json()['id']}/reject",
        {"reason": "a test's proposal"},
    )
    assert r.status_code == 201, r.text
    card.wait_for(state="detached")


def test_a_sentence_takes_typed_values_as_they_are(desk: Any) -> None:
    """`Magen.sayParts` puts each value where its {key} is, once: what a family typed is never
    read for placeholders, and an element named twice is in both places."""
    said = desk.evaluate(
        """() => {
            const parts = Magen.sayParts("registry_last_seen", {what: "near {what} and {x}"});
            const el = document.createElement("bdi");
            el.textContent = "Talpiot";
            const twice = Magen.sayParts("{a} / {a} / {b}", {a: el, b: "x"});
            const p = Magen.node("p", "", twice);
            return {parts: parts.map(String), twice: p.textContent,
                    bdis: p.querySelectorAll("bdi").length};
        }"""
    )
    assert said["parts"] == ["Last seen: ", "near {what} and {x}"]
    assert said["twice"] == "Talpiot / Talpiot / x"
    assert said["bdis"] == 2


def test_a_family_writing_after_its_report_was_closed_is_shown_with_its_note(
    desk: Any, server: Server
) -> None:
    # The registry confirmed a match; the family then writes "they are safe": kept as its note
    # (the report is closed) and put before the registrar, the note open.
    tag = uuid.uuid4().hex[:6]
    report_id = _family_report(server, {"name": {"full_name": f"Late Writer {tag}"}})
    r = server.post(
        "registrar", "/api/v1/persons/survivors", {"name": {"full_name": f"Late Writer {tag}"}}
    )
    assert r.status_code == 201, r.text
    proposal = {
        "report_id": report_id,
        "candidate_kind": "survivor",
        "candidate_id": r.json()["id"],
        "score": 0.9,
    }
    r = server.post("registrar", "/api/v1/persons/matches", proposal)
    assert r.status_code == 201, r.text
    r = server.post("registrar", f"/api/v1/persons/matches/{r.json()['id']}/confirm", {})
    assert r.status_code in (200, 201), r.text
    r = server.post(
        "family1", f"/api/v1/persons/missing/{report_id}/safe", {"note": f"She is home {tag}"}
    )
    assert r.status_code == 201, r.text
    section = desk.locator("[data-late]")
    card = section.locator(f'li[data-id="{report_id}"]')
    card.wait_for(timeout=WAIT_MS)
    assert section.is_visible()
    assert f"Late Writer {tag}" in card.inner_text()
    card.locator(".note-list").filter(has_text=f"She is home {tag}").wait_for()
