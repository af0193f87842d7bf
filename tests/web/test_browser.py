"""The pages in a real browser: Debian's chromium driven by Playwright."""

import pytest

from tests.core.helpers import schedule


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
