"""A new owner's first run in a real browser: from a start page with no workspace to the first workspace, the first
channel (Mastodon, on the local mastodon-mock) and the first post, led by the steps on the pages."""

import pytest

from stoa.channels.models import Channel
from stoa.posts.models import Post
from tests.providers.mastodon_peer import BRAND_TOKEN
from tests.web.conftest import keep_screenshot, log_in


@pytest.mark.browser
@pytest.mark.mastodon_peer
@pytest.mark.django_db(transaction=True)
def test_a_new_owner_is_led_to_the_first_workspace_channel_and_post(page, live_server, stranger, mastodon_peer,
                                                                    tmp_path):
    log_in(page, live_server.url, "sam", "pw-sam-123", "/compose/")

    # The composer needs a workspace: the page says so, in the layout, and leads to creating one.
    guide = page.locator(".first-steps")
    assert page.get_by_role("heading", name="First, a workspace").is_visible()
    assert page.locator("nav.menu").is_visible() and guide.is_visible()
    keep_screenshot(page, "first-run", tmp_path)
    guide.locator("li.next a").click()

    page.fill("input[name=name]", "Falafel Hakosem")
    page.fill("input[name=timezone]", "Asia/Jerusalem")
    page.get_by_role("button", name="Create").click()
    page.wait_for_url("**/channels/?workspace=falafel-hakosem")
    assert "Falafel Hakosem is created. Next, connect its first channel." in page.locator(".messages").inner_text()
    assert guide.locator("li.next").inner_text().startswith("Connect a channel")

    form = page.locator("#connect-mastodon form")
    form.get_by_label("Server").fill(mastodon_peer.url)
    form.get_by_label("Access token").fill(BRAND_TOKEN)
    form.get_by_role("button", name="Connect Mastodon").click()
    page.locator(".messages", has_text="is connected.").wait_for(timeout=10000)
    channel = Channel.objects.get(workspace__slug="falafel-hakosem")

    guide.locator("li.next a", has_text="Write the first post").click()
    page.wait_for_url("**/compose/?workspace=falafel-hakosem")
    page.check(f"input[name=channels][value='{channel.pk}']")
    page.fill("textarea[name=text]", "Falafel, fresh from the fryer 🧆 פלאפל חם")
    page.get_by_role("button", name="Save as draft").click()
    page.wait_for_url("**/posts/*/", timeout=10000)
    assert Post.objects.filter(workspace__slug="falafel-hakosem").exists()

    page.goto(f"{live_server.url}/")
    assert page.locator(".first-steps").count() == 0  # all three done: the steps are gone
