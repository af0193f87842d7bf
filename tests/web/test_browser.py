"""The pages in a real browser: Debian's chromium driven by Playwright."""

import os
import shutil

import pytest

from tests.core.helpers import schedule

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


@pytest.fixture
def page():
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (apt-get install chromium; .ci/run does it)")
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield browser.new_page(locale="he-IL")
        browser.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_manager_logs_in_sees_upcoming_posts_and_cancels_one(page, live_server, owner, workspace, channel,
                                                             tmp_path):
    schedule(owner, workspace, [channel], text="מבצע חורף: קפה ומאפה ב-20 ₪ ☕")

    page.goto(f"{live_server.url}/")
    page.fill("input[name=username]", "olga")
    page.fill("input[name=password]", "pw-olga-123")
    page.click("button[type=submit]")

    row = page.locator("tbody tr").first
    row.wait_for()
    assert "מבצע חורף" in row.inner_text()
    assert "Scheduled" in row.inner_text()
    page.screenshot(path=str(tmp_path / "upcoming.png"), full_page=True)

    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Cancel").click()
    page.locator("tbody tr .badge", has_text="Cancelled").wait_for(timeout=5000)
