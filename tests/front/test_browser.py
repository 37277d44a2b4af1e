"""The documentation pages and the browsable forms in a real headless Chromium (Debian's `chromium` and
`chromium-driver`, which `python -m dev.services ensure --env test` installs; Selenium is pointed at both, so
nothing downloads a browser or a driver).

Every step waits explicitly for what the page shows (no sleeps), with waits long enough for a slow two-core
machine; each page is checked for console errors, which include any load the Content-Security-Policy blocked.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from selenium import webdriver
from selenium.common.exceptions import (
    ElementClickInterceptedException,
    ElementNotInteractableException,
    StaleElementReferenceException,
    TimeoutException,
)
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from stores import profiles
from stores.mysql import reviews
from tests.conftest import account

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
WAIT = 60.0  # seconds for any one thing to appear: generous, a slow machine is not a failure
FILM = 11
# What an element can be for a moment while a page draws: replaced, covered (a dialog fading in), not yet usable.
PENDING = (StaleElementReferenceException, ElementClickInterceptedException, ElementNotInteractableException)


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    """One headless Chromium for the module, with its console kept for the tests to read."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if shutil.which(path) is None:
            pytest.fail(f"{path} is missing: `python -m dev.services ensure --env test` installs Debian's "
                        "chromium and chromium-driver")
    options = Options()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1400,1000", "--no-first-run", "--disable-extensions",
                     "--disable-background-networking", "--disable-component-update"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(WAIT)
    driver.set_script_timeout(WAIT)
    try:
        yield driver
    finally:
        driver.quit()


def wait(driver: WebDriver, what: str, check: Callable[[WebDriver], Any]) -> Any:
    """What the check returns once it is truthy (a stale element counts as not yet); on a timeout, the failure
    says what the console said."""
    try:
        return WebDriverWait(driver, WAIT, ignored_exceptions=PENDING).until(check)
    except TimeoutException:
        raise AssertionError(f"waited {WAIT:.0f} s for {what}; the console: {driver.get_log('browser')}") from None


def shown(driver: WebDriver, css: str) -> WebElement:
    """The first element the selector finds, once it is displayed."""
    def find(d: WebDriver) -> WebElement | None:
        found = [e for e in d.find_elements(By.CSS_SELECTOR, css) if e.is_displayed()]
        return found[0] if found else None
    element: WebElement = wait(driver, css, find)
    return element


def click(driver: WebDriver, css: str) -> None:
    """Click the element once it is displayed and nothing covers it."""
    def press(d: WebDriver) -> bool:
        shown(d, css).click()
        return True
    wait(driver, f"a click on {css}", press)


def text_of(driver: WebDriver, css: str, contains: str) -> str:
    """The element's text (its textContent, shown or scrolled away) once it contains the given text."""
    def read(d: WebDriver) -> str | None:
        found = d.find_elements(By.CSS_SELECTOR, css)
        text = found[0].get_attribute("textContent") or "" if found else ""
        return text if contains in text else None
    text: str = wait(driver, f"{contains!r} in {css}", read)
    return text


def console_errors(driver: WebDriver) -> list[str]:
    """The console's errors since it was last read (blocked loads and CSP violations among them)."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def expected_failures(driver: WebDriver, status: int) -> list[str]:
    """The console's errors since it was last read, each the failed request a test provoked (Chromium logs
    every 4xx answer to a fetch as an error)."""
    errors = console_errors(driver)
    assert all(f"status of {status}" in message for message in errors), errors
    return errors


def fill(element: WebElement, value: str) -> None:
    element.clear()
    element.send_keys(value)


def test_swagger_ui_loads_cleanly_and_try_it_out_shows_a_films_200(browser: WebDriver, server: str,
                                                                    http: httpx.Client, seeded: str) -> None:
    operation = http.get("/openapi.json").json()["paths"]["/api/movies/{movie_id}/"]["get"]["operationId"]
    op = f"#operations-default-{operation}"
    console_errors(browser)
    browser.get(f"{server}/docs")
    block = shown(browser, op)
    assert "/api/movies/{movie_id}/" in block.text
    click(browser, f"{op} .opblock-summary-control")
    click(browser, f"{op} .try-out__btn")
    fill(shown(browser, f'{op} tr[data-param-name="movie_id"] input'), "5")
    click(browser, f"{op} button.execute")
    status = text_of(browser, f"{op} .live-responses-table tr.response .response-col_status", "200")
    assert status.strip().startswith("200")
    text_of(browser, f"{op} .request-url", f"{server}/api/movies/5/")  # called on this server
    body = shown(browser, f"{op} .live-responses-table tr.response .response-col_description")
    assert '"id": 5' in body.text
    assert console_errors(browser) == []


def test_swagger_ui_authorize_sends_the_bearer_token(browser: WebDriver, server: str, http: httpx.Client) -> None:
    user = account(http, "swagger")
    token = user["headers"]["Authorization"].removeprefix("Bearer ")
    operation = http.get("/openapi.json").json()["paths"]["/api/users/me/"]["get"]["operationId"]
    op = f"#operations-default-{operation}"
    console_errors(browser)
    browser.get(f"{server}/docs")
    click(browser, "button.authorize")
    fill(shown(browser, ".modal-ux input"), token)
    click(browser, ".modal-ux button.authorize[type=submit]")
    click(browser, ".modal-ux button.btn-done")
    click(browser, f"{op} .opblock-summary-control")
    click(browser, f"{op} .try-out__btn")
    click(browser, f"{op} button.execute")
    text_of(browser, f"{op} .live-responses-table tr.response .response-col_status", "200")
    body = shown(browser, f"{op} .live-responses-table tr.response .response-col_description")
    assert user["username"] in body.text and user["email"] in body.text
    assert browser.get_cookies() == []
    assert console_errors(browser) == []


def test_redoc_renders_the_document(browser: WebDriver, server: str) -> None:
    console_errors(browser)
    browser.get(f"{server}/redoc")
    title = text_of(browser, ".api-info h1", "MovieVerse API")
    assert "1.0.0" in title
    text_of(browser, ".menu-content", "Write a review")  # the operations' summaries in the side menu
    shown(browser, "[data-section-id]")
    # ReDoc's menu always draws Redocly's logo from their CDN: the page's policy blocks that load, so the
    # page asks nothing of the internet (the logo hides itself), and that block is the only error.
    errors = console_errors(browser)
    assert all("cdn.redoc.ly" in message and "Content Security Policy" in message for message in errors), errors


def _sign_in(browser: WebDriver, server: str, path: str, user: dict[str, Any]) -> None:
    browser.get(server + path)
    fill(shown(browser, "#signin-username"), user["username"])
    fill(shown(browser, "#signin-password"), user["password"])
    click(browser, "#signin-submit")
    text_of(browser, "#account-name", user["username"])


async def test_a_signed_in_user_posts_edits_and_deletes_a_review_through_the_films_page(
        browser: WebDriver, server: str, http: httpx.Client, seeded: str, stores: Any) -> None:
    user = account(http, "former")
    console_errors(browser)
    browser.get(f"{server}/api/movies/{FILM}/")
    browser.execute_script("window.sessionStorage.clear()")
    browser.get(f"{server}/api/movies/{FILM}/")
    assert not [e for e in browser.find_elements(By.ID, "review-form") if e.is_displayed()]  # signed out: no form
    fill(shown(browser, "#signin-username"), user["username"])
    fill(shown(browser, "#signin-password"), "not-the-password")
    click(browser, "#signin-submit")
    refused = text_of(browser, "#signin-status.error", "credentials are not right")  # the 401 detail
    assert "HTTP" not in refused
    assert expected_failures(browser, 401)
    _sign_in(browser, server, f"/api/movies/{FILM}/", user)
    # The token is in this tab's session storage only: no cookie, not in the URL.
    held = browser.execute_script("return window.sessionStorage.getItem('movieverse.token')")
    assert held and held.count(".") == 2  # a JWT
    assert browser.get_cookies() == [] and held not in browser.current_url

    fill(shown(browser, "#review-rating"), "8")
    fill(shown(browser, "#review-title"), "Seen <twice>")
    fill(shown(browser, "#review-body"), "A <b>fine</b> film & more.")
    click(browser, "#review-post")
    posted = text_of(browser, "#review-status", "posted")
    review_id = int(posted.split("#")[1].split()[0])
    stored = await reviews.get_review(await stores.mysql(), review_id)
    assert stored is not None and stored["user"]["id"] == user["id"] and stored["movie_id"] == FILM
    assert (stored["rating"], stored["title"], stored["body"]) == (8, "Seen <twice>", "A <b>fine</b> film & more.")
    assert http.get(f"/api/reviews/{review_id}/").json()["rating"] == 8

    # A reload finds the review again (the form is filled from the API), and a second post is refused.
    browser.get(f"{server}/api/movies/{FILM}/")
    text_of(browser, "#review-heading", f"#{review_id}")
    assert shown(browser, "#review-body").get_attribute("value") == "A <b>fine</b> film & more."
    assert not browser.find_elements(By.CSS_SELECTOR, "#review-form b")  # shown as text, never as markup
    fill(shown(browser, "#review-rating"), "11")
    click(browser, "#review-save")
    detail = text_of(browser, "#review-status.error", "rating")  # the 422 problem document
    assert expected_failures(browser, 422)
    assert (await reviews.get_review(await stores.mysql(), review_id) or {})["rating"] == 8, detail

    fill(shown(browser, "#review-rating"), "6")
    fill(shown(browser, "#review-body"), "Better the first time.")
    click(browser, "#review-save")
    text_of(browser, "#review-status.ok", f"Review #{review_id} saved")
    stored = await reviews.get_review(await stores.mysql(), review_id)
    assert stored is not None and (stored["rating"], stored["body"]) == (6, "Better the first time.")
    assert http.get(f"/api/reviews/{review_id}/").json()["body"] == "Better the first time."

    click(browser, "#review-delete")
    text_of(browser, "#review-status.ok", f"Review #{review_id} deleted")
    assert await reviews.get_review(await stores.mysql(), review_id) is None
    assert http.get(f"/api/reviews/{review_id}/").status_code == 404
    shown(browser, "#review-post")  # back to a new review
    assert console_errors(browser) == []


async def test_a_signed_in_user_edits_their_profile(browser: WebDriver, server: str, http: httpx.Client,
                                                    seeded: str, stores: Any) -> None:
    user = account(http, "profiled")
    console_errors(browser)
    browser.get(f"{server}/api/genres/")
    browser.execute_script("window.sessionStorage.clear()")
    _sign_in(browser, server, "/api/genres/", user)
    click(browser, "#profile-panel summary")
    fill(shown(browser, "#profile-bio"), "Films <i>at night</i>.")
    fill(shown(browser, "#profile-location"), "Lyon")
    fill(shown(browser, "#profile-avatar"), "not a url")
    fill(shown(browser, "#profile-genres"), "Drama, 2")
    click(browser, "#profile-save")
    refused = text_of(browser, "#profile-status.error", "avatar_url")  # the 422's detail and its field
    assert "HTTP" not in refused
    assert expected_failures(browser, 422)
    assert (await profiles.get_profile(await stores.firebase(), user["id"]))["bio"] == ""

    fill(shown(browser, "#profile-avatar"), "https://example.org/me.png")
    click(browser, "#profile-save")
    text_of(browser, "#profile-status.ok", "Profile saved")
    drama = next(g["id"] for g in http.get("/api/genres/").json()["results"] if g["name"] == "Drama")
    stored = await profiles.get_profile(await stores.firebase(), user["id"])
    assert (stored["bio"], stored["location"], stored["avatar_url"]) == ("Films <i>at night</i>.", "Lyon",
                                                                        "https://example.org/me.png")
    assert stored["favorite_genres"] == sorted({drama, 2})
    assert http.get(f"/api/users/{user['id']}/profile/").json()["location"] == "Lyon"

    # Another page of the same tab: still signed in, the form filled from the profile.
    browser.get(f"{server}/api/movies/{FILM}/")
    text_of(browser, "#account-name", user["username"])
    click(browser, "#profile-panel summary")
    wait(browser, "the profile loaded", lambda d: d.find_element(By.ID, "profile-location").get_attribute("value"))
    assert shown(browser, "#profile-bio").get_attribute("value") == "Films <i>at night</i>."
    assert not browser.find_elements(By.CSS_SELECTOR, "#forms i")
    click(browser, "#signout")
    shown(browser, "#signin-form")
    assert browser.execute_script("return window.sessionStorage.getItem('movieverse.token')") is None
    assert console_errors(browser) == []
