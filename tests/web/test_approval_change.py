"""In a real browser: the owner turns approval on while posts are scheduled, sees them, sends one for review and
lets the other publish as planned; the list then tells which waits and which does not."""

import pytest

from stoa.posts.models import ApprovalState, Post
from tests.core.helpers import schedule
from tests.web.conftest import log_in


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_owner_turns_approval_on_and_decides_for_the_scheduled_posts(page, live_server, owner, workspace, channel):
    [soon] = schedule(owner, workspace, [channel], text="Shakshuka tonight", title="Tonight", in_seconds=3 * 3600)
    [later] = schedule(owner, workspace, [channel], text="Winter menu", title="Winter menu", in_seconds=40 * 3600)
    soon, later = soon.variant.post, later.variant.post
    log_in(page, live_server.url, "olga", "pw-olga-123", f"/workspaces/{workspace.slug}/settings/")

    page.check("input[name=approval_flow][value=internal]")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(f"**/review/scheduled/{workspace.slug}/", timeout=5000)
    assert "Due in" in page.locator(f"#scheduled-post-{soon.pk}").inner_text()
    assert "Not sent for review" in page.locator(f"#scheduled-post-{later.pk}").inner_text()

    page.uncheck(f"input[name=posts][value='{later.pk}']")
    page.click("button[name=action][value=review]")
    page.locator("#done", has_text="Tonight").wait_for(timeout=5000)
    page.check(f"input[name=posts][value='{later.pk}']")
    page.click("button[name=action][value=exempt]")
    page.locator("#done", has_text="Winter menu").wait_for(timeout=5000)
    assert Post.objects.get(pk=soon.pk).approval_state == ApprovalState.IN_REVIEW
    assert Post.objects.get(pk=later.pk).approval_exempt

    page.goto(f"{live_server.url}/")
    rows = page.locator("table.publications tbody tr")
    rows.first.wait_for(timeout=5000)
    assert "Waiting for approval" in rows.nth(0).inner_text() and "In review" in rows.nth(0).inner_text()
    assert "Scheduled" in rows.nth(1).inner_text() and "Publishes without approval" in rows.nth(1).inner_text()
