"""The hospital desk, the family page and the registrar's desk in Arabic, in real Chromium.

Each page is opened as its own user in Arabic, on the window it is used on (the family page
on a phone and a desk; the hospital desk on a desk and a phone; the registrar's desk on a
desk), and:

- is right to left (`dir="rtl"`, `lang="ar"`), with no script error;
- shows no English words of its own: every Latin-script word left on screen, once what people
  typed (names, places, messages) and the matcher's explanation (English by design) are set
  aside, is one the test knows to be data (an id, a tag, a unit), and none is a word of the
  page's English;
- does one real thing in Arabic (a patient arrives; a family files a report; the registrar
  finds it by an Arabic name);
- fits the window: nothing scrolls sideways, and the header, forms and lists lie inside it.

Screenshots go to the test's tmp dir (and test-artifacts/screenshots/, as the other tests').
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser.browserkit import (
    PASSWORD,
    TZ,
    PageErrors,
    Server,
    casualty_on_its_way,
    casualty_status,
    screenshot,
    sign_in,
)
from magen.domain.casualties import BodySite
from magen.domain.people import Build
from magen.web import i18n, words_family, words_hospital, words_registry
from magen.web.i18n import text

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server and a real browser

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}
WIDE = {"width": 1440, "height": 1000}
LOCALE = "ar"  # Accept-Language: ar
HOSPITAL = "h-ar-test"
HOSPITAL_USER = "hospital-ar"  # its own account: hospital1 is linked by test_hospital_browser
FAMILY = {"family1 (test)"}  # the account's name, as the top bar says who is signed in
LATIN_WORD = re.compile(r"[A-Za-z]+")

# What people typed, and the matcher's explanation: not the page's own words.
# Text marked as another language (the language menu's "English") is that language's.
_DATA_JS = "bdi, [dir=auto], .why, [lang]:not([lang=ar]), script, style, template"
_VISIBLE_TEXT_JS = """(skip) => {
    const root = document.body.cloneNode(true);
    // The clone is not laid out: drop what the live page hides, by matching positions.
    const live = document.body.querySelectorAll('*');
    const copy = root.querySelectorAll('*');
    const gone = [];
    live.forEach((el, i) => {
        const s = getComputedStyle(el);
        const hidden = el.closest('[hidden]') !== null || s.display === 'none'
            || s.visibility === 'hidden';
        if (hidden || el.matches(skip)) gone.push(copy[i]);
    });
    gone.forEach(el => el.remove());
    const shown = [];
    document.querySelectorAll('input, textarea, select').forEach(el => {
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.height === 0) return;
        if (el.placeholder) shown.push(el.placeholder);
        if (el.tagName === 'SELECT') shown.push(...[...el.options].map(o => o.text));
        if (el.type === 'submit' || el.type === 'button') shown.push(el.value);
    });
    // innerText needs layout: put the clone in the page for a moment, off screen.
    root.style.position = 'absolute';
    root.style.left = '-99999px';
    document.documentElement.appendChild(root);
    const words = root.innerText;
    root.remove();
    return [words, ...shown, document.title].join('\\n');
}"""


def _latin_words(module: dict[str, tuple[str, str, str]], lang: i18n.Lang) -> frozenset[str]:
    """The Latin-script words of a page's words (its own and the shared ones) in a language."""
    own = set(module)
    others = {k for m in (words_hospital, words_family, words_registry) for k in m.WORDS}
    keys = [k for k in i18n.texts("en") if k in own or k not in others]
    found: set[str] = set()
    for words in i18n.texts(lang, keys).values():
        found.update(LATIN_WORD.findall(re.sub(r"\{\w+\}", "", words)))
    return frozenset(found)


class Words:
    """A page's English words, and the Latin-script words its Arabic has by design (YYYY)."""

    def __init__(self, module: dict[str, tuple[str, str, str]]) -> None:
        self.arabic = _latin_words(module, "ar")
        lower = {w.lower() for w in self.arabic}
        self.english = frozenset(
            w.lower() for w in _latin_words(module, "en") if len(w) > 1 and w.lower() not in lower
        )


HOSPITAL_WORDS = Words(words_hospital.WORDS)
FAMILY_WORDS = Words(words_family.WORDS)
REGISTRY_WORDS = Words(words_registry.WORDS)
assert {"arrived", "tourniquet", "searching"} <= HOSPITAL_WORDS.english | FAMILY_WORDS.english


# Where (x, in px) two strings inside an element begin on screen.
_LEFT_OF_JS = """([selector, a, b]) => {
    const walker = document.createTreeWalker(
        document.querySelector(selector), NodeFilter.SHOW_TEXT);
    const at = {};
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        for (const w of [a, b]) {
            const i = n.data.indexOf(w);
            if (i < 0 || w in at) continue;
            const r = document.createRange();
            r.setStart(n, i);
            r.setEnd(n, i + w.length);
            at[w] = r.getBoundingClientRect().left;
        }
    }
    return [at[a], at[b]];
}"""


def _arabic_tag() -> str:
    """Six Arabic letters, new each run: names stay unique and in one script."""
    letters = "ابتثجحخدذرزسشصضط"
    return "".join(letters[int(c, 16)] for c in uuid.uuid4().hex[:6])


def _check_arabic(page: Any, words: Words, data: set[str]) -> None:
    """Right to left in Arabic, and no Latin-script word on screen but the known data."""
    assert page.get_attribute("html", "lang") == "ar"
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    shown = str(page.evaluate(_VISIBLE_TEXT_JS, _DATA_JS))
    for known in sorted(data, key=len, reverse=True):
        shown = shown.replace(known, " ")
    latin = set(LATIN_WORD.findall(shown)) - words.arabic
    assert not {w for w in latin if w.lower() in words.english}, (
        f"English words of the page shown in Arabic: {sorted(latin)}"
    )
    assert not latin, f"Latin-script words shown in Arabic: {sorted(latin)}"


def _check_fits(page: Any, selectors: list[str]) -> None:
    """No sideways scroll; each element is inside the window; the header starts at the right."""
    width = page.evaluate("document.documentElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    assert width <= inner + 1, f"scrolls sideways: {width} > {inner}"
    for selector in selectors:
        boxes = page.eval_on_selector_all(
            selector,
            """els => els.filter(e => e.getClientRects().length).map(e => {
                const r = e.getBoundingClientRect();
                return [r.left, r.right];
            })""",
        )
        assert boxes, f"{selector} is not on the page"
        for left, right in boxes:
            assert left >= -1, f"{selector} starts at {left}, left of the window"
            assert right <= inner + 1, f"{selector} ends at {right}, past the window ({inner})"
    # Right to left: the page's name sits on the right of the header bar.
    brand = page.locator(".brand").first.bounding_box()
    assert brand is not None
    assert brand["x"] + brand["width"] > inner * 0.6, f"the name is not on the right: {brand}"


def _shot(page: Any, folder: Path, name: str) -> Path:
    """A full-page screenshot in the test's tmp dir, and one beside the other tests'."""
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    screenshot(page, name)
    assert path.stat().st_size > 5000
    return path


def _context(browser: Any, viewport: dict[str, int], *, scripts: bool = True) -> Any:
    return browser.new_context(
        timezone_id=TZ, viewport=viewport, locale=LOCALE, java_script_enabled=scripts
    )


# --- the hospital desk --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hospital(server: Server) -> str:
    """A hospital with an Arabic name and its own hospital account (once per server)."""
    listed = server.get("admin", "/api/v1/hospitals")
    listed.raise_for_status()
    if HOSPITAL in {h["id"] for h in listed.json()}:
        return HOSPITAL
    made = server.post(
        "admin",
        "/api/v1/accounts",
        {
            "username": HOSPITAL_USER,
            "password": PASSWORD,
            "role": "hospital",
            "display_name": "مكتب الطوارئ",
        },
    )
    assert made.status_code == 201, made.text
    me = server.get(HOSPITAL_USER, "/api/v1/accounts/me")
    me.raise_for_status()
    body = {
        "hospital_id": HOSPITAL,
        "name": "مستشفى الاختبار العربي",
        "where": {"lat": 31.7743, "lon": 35.1826},
        "account_id": me.json()["account_id"],
        "trauma_centre": True,
    }
    r = server.post("admin", "/api/v1/hospitals", body)
    assert r.status_code == 201, r.text
    return HOSPITAL


def _casualty_on_its_way(server: Server, tag: str) -> str:
    """A responder records a casualty (described in Arabic) and sends it to the hospital."""
    description = {
        "sex": "female",
        "age": {"min_years": 30, "max_years": 40},
        "clothing": "معطف أخضر",
        "marks": "وشم فراشة على المعصم",
        "build": "slight",
        "height_cm": 165,
    }
    return casualty_on_its_way(
        server,
        tag=tag,
        place="شارع دوبنوف 13",
        description=description,
        vehicle="إسعاف 12",
        to=HOSPITAL,
    )


@pytest.fixture
def hospital_desk(
    browser: Any, server: Server, hospital: str, page_errors: PageErrors
) -> Iterator[Any]:
    """The hospital desk on a desk-sized window, chosen in Arabic by the browser's language."""
    context = _context(browser, DESK)
    try:
        page = page_errors.watch(sign_in(context, server, HOSPITAL_USER, "/hospital"))
        assert page.url.endswith("/hospital")
        page.wait_for_selector("body[data-ready]")
        yield page
    finally:
        context.close()


def test_the_hospital_desk_in_arabic_receives_a_patient(
    hospital_desk: Any, server: Server, tmp_path: Path
) -> None:
    page = hospital_desk
    tag = "HA-" + "".join("ABCDEFGHJKLMNPQR"[int(c, 16)] for c in uuid.uuid4().hex[:4])
    data = {HOSPITAL, tag}
    assert page.inner_text("[data-hospital-name]") == "مستشفى الاختبار العربي"
    assert text("hospital_incoming", "ar") in page.inner_text("main")

    casualty = _casualty_on_its_way(server, tag)
    card = page.locator(f'[data-list="incoming"] [data-tag="{tag}"]')
    card.wait_for(timeout=15_000)
    words = card.inner_text().replace("\u2066", "").replace("\u2069", "")
    assert text("hospital_cat_immediate", "ar") in words
    assert text("hospital_sex_female", "ar") in words
    assert text("hospital_iv_tourniquet", "ar") in words
    assert f"({text('hospital_site_right_leg', 'ar')})" in words
    assert text("hospital_build_slight", "ar") in words
    assert text("hospital_height_cm", "ar", n=165) in words
    assert "معطف أخضر" in words
    # An age range reads 30–40 left to right, as in the other languages, not 40–30.
    thirty, forty = page.evaluate(_LEFT_OF_JS, [f'[data-tag="{tag}"] .desc', "30", "40"])
    assert thirty < forty, (thirty, forty)
    _check_arabic(page, HOSPITAL_WORDS, data)
    _check_fits(page, [".bar", ".hhead", "[data-status-form]", "[data-list=incoming] li"])
    _shot(page, tmp_path, "hospital-ar-desk-incoming")

    with page.expect_response(lambda r: r.url.endswith(f"/{casualty}/arrival")) as arrived:
        card.locator("[data-arrived]").click()
    assert arrived.value.status == 201
    assert casualty_status(server, HOSPITAL_USER, casualty) == "arrived"
    here = page.locator(f'[data-list="here"] [data-tag="{tag}"]')
    here.wait_for()
    assert page.locator(f'[data-list="incoming"] [data-tag="{tag}"]').count() == 0
    said = page.locator("[data-said]")
    said.wait_for(state="visible")
    assert tag in said.inner_text()
    _check_arabic(page, HOSPITAL_WORDS, data)
    _check_fits(page, [".bar", ".hhead", "[data-status-form]", "[data-list=here] li"])
    _shot(page, tmp_path, "hospital-ar-desk-arrived")

    # The same desk on a phone: one column, nothing off the side.
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(200)
    _check_arabic(page, HOSPITAL_WORDS, data)
    _check_fits(page, [".bar", ".hhead", "[data-status-form]", "[data-list=here] li"])
    _shot(page, tmp_path, "hospital-ar-phone")


def test_every_body_site_and_build_has_the_hospital_desk_s_words() -> None:
    for site in BodySite:
        assert text(f"hospital_site_{site}", "ar") != text(f"hospital_site_{site}", "en"), site
    for build in Build:
        assert text(f"hospital_build_{build}", "ar") != text(f"hospital_build_{build}", "en")


# --- the family page ----------------------------------------------------------------------------


def test_a_family_files_a_report_in_arabic_on_a_phone_without_javascript(
    browser: Any, server: Server, page_errors: PageErrors, tmp_path: Path
) -> None:
    name = f"سلمى {_arabic_tag()}"
    context = _context(browser, PHONE, scripts=False)
    try:
        page = page_errors.watch(sign_in(context, server, "family1", "/family?lang=ar"))
        assert page.url.endswith("/family?lang=ar")
        assert page.inner_text("h1") == text("family_title", "ar")
        _check_arabic(page, FAMILY_WORDS, FAMILY)
        _check_fits(page, [".bar", "h1", "form[data-report-form]", "form[data-report-form] label"])
        _shot(page, tmp_path, "family-ar-phone-form")

        form = page.locator("form[data-report-form]")
        form.locator("[name=full_name]").fill(name)
        form.locator("[name=alternates]").fill("سلمى ح.")
        form.locator("input[name=sex][value=female]").check()
        form.locator("[name=age]").fill("34")
        form.locator("[name=hair]").fill("شعر أسود طويل")
        form.locator("[name=clothing]").fill("معطف أصفر وجينز")
        form.locator("[name=place]").fill("شارع دوبنوف 13")
        form.locator("[name=phone]").fill("050-1234567")
        form.locator("[name=relation]").fill("أخت")
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        done = page.locator("[data-done]").inner_text()
        assert done.startswith(text("family_report_done", "ar", name=name, t="")[:12]), done
        assert name in done
        item = page.locator("li[data-report]", has_text=name)
        assert item.count() == 1
        assert item.get_attribute("data-status") == "searching"
        assert item.locator("[data-status-word]").inner_text() == text("family_st_searching", "ar")
        assert "شارع دوبنوف 13" in item.inner_text()
        _check_arabic(page, FAMILY_WORDS, FAMILY)
        _check_fits(page, [".bar", "[data-done]", "[data-yours] li", "form[data-report-form]"])
        _shot(page, tmp_path, "family-ar-phone-listed")
    finally:
        context.close()


def test_the_family_page_in_arabic_on_a_desk(
    browser: Any, server: Server, page_errors: PageErrors, tmp_path: Path
) -> None:
    context = _context(browser, DESK)
    try:
        page = page_errors.watch(context.new_page())
        page.goto(f"{server.url}/family?lang=ar")  # signed out: why an account, and a form
        assert page.locator("form[data-signup]").is_visible()
        _check_arabic(page, FAMILY_WORDS, FAMILY)
        _check_fits(page, [".bar", "[data-why]", "form[data-signup]"])
        _shot(page, tmp_path, "family-ar-desk-signed-out")
        page.close()

        page = page_errors.watch(sign_in(context, server, "family1", "/family?lang=ar"))
        _check_arabic(page, FAMILY_WORDS, FAMILY)
        _check_fits(page, [".bar", "h1", "form[data-report-form]"])
        _shot(page, tmp_path, "family-ar-desk")
    finally:
        context.close()


# --- the registrar's desk -----------------------------------------------------------------------


def test_the_registrar_finds_a_report_by_its_arabic_name(
    browser: Any, server: Server, page_errors: PageErrors, tmp_path: Path
) -> None:
    surname = f"حداد{_arabic_tag()}"
    filed = server.post(
        "family1",
        "/api/v1/persons/missing",
        {
            "name": {"full_name": f"عمر {surname}", "alternates": [f"עומר {surname}"]},
            "age": {"min_years": 30, "max_years": 35},
            "description": {"sex": "male", "clothing": "قميص أزرق"},
            # A place typed in Latin letters: what a family types is shown as typed, isolated
            # in its own direction (a <bdi>), never taken for the desk's words.
            "last_seen_place": "Emek Refaim 12",
        },
    )
    assert filed.status_code == 201, filed.text
    report_id = filed.json()["id"]
    context = _context(browser, WIDE)
    try:
        page = page_errors.watch(sign_in(context, server, "registrar", "/registry?lang=ar"))
        page.wait_for_selector("body[data-ready='1']")
        page.wait_for_selector("#mode[data-mode=live]")
        assert text("registry_title", "ar") in page.inner_text(".brand")

        row = page.locator(f'[data-report-list] li[data-id="{report_id}"]')
        # Arabic vowel marks typed in the search are not part of the comparison.
        page.fill("[data-search]", "حَدّاد" + surname[len("حداد") :])
        row.wait_for()
        assert page.locator("[data-report-list] li[data-id]").count() == 1
        assert f"عمر {surname}" in row.inner_text()
        assert text("registry_st_searching", "ar") in row.locator(".st").inner_text()
        page.fill("[data-search]", surname)
        row.wait_for()
        page.fill("[data-search]", f"{surname}x")
        row.wait_for(state="detached")
        page.fill("[data-search]", surname)
        row.wait_for()

        page.click("[data-report-box] summary")  # the report form, open
        _check_arabic(page, REGISTRY_WORDS, {"registrar (test)"})
        _check_fits(
            page, [".cbar", "#matches", "#reports", "[data-report-form]", "[data-report-list] li"]
        )
        _shot(page, tmp_path, "registry-ar-desk")
    finally:
        context.close()
