"""A new user connects their Bluesky account on the channels page, against the local PDS, and publishes
a post to it: the page, the action, the provider and the engine, with nothing in between faked."""

import pytest

from stoa.channels.models import Channel, ChannelStatus
from stoa.posts.models import Publication, State
from tests.core.helpers import drain
from tests.web.conftest import keep_screenshot, log_in

pytest_plugins = ["tests.providers.bluesky_network"]

TEXT = "Καλημέρα from Kafe Yafo ☕ בוקר טוב #coffee"


@pytest.mark.browser
@pytest.mark.bluesky
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("publication_ids_of_their_own")
def test_a_new_user_connects_bluesky_on_the_page_and_publishes(page, live_server, owner, workspace,
                                                                bluesky_network, tmp_path):
    bob = bluesky_network.accounts["bob"]
    log_in(page, live_server.url, "olga", "pw-olga-123", f"/channels/?workspace={workspace.slug}")

    # A mistyped app password first: the PDS's refusal, said under the form, the handle kept.
    form = page.locator("#connect-bluesky form")
    form.get_by_label("Server").fill(bluesky_network.pds_url)
    form.get_by_label("Handle").fill(bob.handle)
    form.get_by_label("App password").fill("aaaa-bbbb-cccc-dddd")
    form.get_by_role("button", name="Connect Bluesky").click()
    alert = page.locator("#connect-bluesky [role=alert]")
    alert.wait_for(timeout=10000)
    assert "Bluesky did not accept this handle and app password" in alert.inner_text()
    assert "credentials" not in alert.inner_text()
    assert form.get_by_label("Handle").input_value() == bob.handle and not Channel.objects.exists()
    keep_screenshot(page, "channels-refused", tmp_path)

    form.get_by_label("App password").fill(bob.app_password)
    form.get_by_label("Name in Stoa (optional)").fill("Kafe Yafo on Bluesky")
    form.get_by_role("button", name="Connect Bluesky").click()
    page.get_by_text("Kafe Yafo on Bluesky is connected.").wait_for(timeout=10000)
    keep_screenshot(page, "channels", tmp_path)
    channel = Channel.objects.get()
    assert (channel.network, channel.config["did"], channel.status) == ("bluesky", bob.did, "active")

    # Written in the composer and kept as a draft, then published now from the list of publications.
    page.goto(f"{live_server.url}/compose/?workspace={workspace.slug}")
    page.check(f"input[name=channels][value='{channel.pk}']")
    page.fill("textarea[name=text]", TEXT)
    page.click("button[name=action][value=draft]")
    page.wait_for_url("**/posts/*/", timeout=5000)
    publication = Publication.objects.get()
    page.goto(f"{live_server.url}/?workspace={workspace.slug}")
    row = page.locator(f"#publication-{publication.pk}")
    row.get_by_role("button", name="Publish now").click()
    row.locator(".badge", has_text="Scheduled").wait_for(timeout=5000)

    drain()  # the publishing engine, as `stoa run` has it

    publication.refresh_from_db()
    assert publication.state == State.PUBLISHED, publication.last_error
    assert bluesky_network.get_record(publication.remote_id)["value"]["text"] == TEXT
    page.reload()
    row.locator(".badge", has_text="Published").wait_for(timeout=5000)
    assert row.get_by_role("link", name="View").get_attribute("href") == publication.remote_url
    keep_screenshot(page, "published-to-bluesky", tmp_path)

    # Bluesky refused the session later (a revoked app password): the channel waits for a new one, and
    # only the new password is typed; the server and the handle are filled in already.
    Channel.objects.filter(pk=channel.pk).update(status=ChannelStatus.NEEDS_RECONNECT,
                                                 status_reason="Bluesky did not accept the app password.")
    page.goto(f"{live_server.url}/channels/?workspace={workspace.slug}")
    again = page.locator(f"#channel-{channel.pk} form.connect")
    assert again.get_by_label("Server").input_value() == bluesky_network.pds_url
    assert again.get_by_label("Handle").input_value() == bob.handle
    assert again.get_by_label("App password").input_value() == ""
    again.get_by_label("App password").fill(bob.app_password)
    keep_screenshot(page, "channels-reconnect", tmp_path)
    again.get_by_role("button", name="Reconnect").click()
    page.get_by_text("Kafe Yafo on Bluesky is connected again.").wait_for(timeout=10000)
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.ACTIVE and channel.credentials["identifier"] == bob.handle
