"""A social media manager's week in a real browser: compose, fix, schedule, reschedule on the calendar, have the
client approve through a link, and work in Hebrew. `make screenshots` keeps the pictures of these pages."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from stoa.channels.models import Channel
from stoa.posts.models import ApprovalState, Post, State
from stoa.workspaces.models import ApprovalFlow, UserSettings
from tests.core.helpers import image_bytes
from tests.web.conftest import keep_screenshot, log_in

LONG_TEXT = "מבצע חורף בקפה יפו: כל קפה ומאפה ב-20 ₪ ☕ Winter deal at Kafe Yafo, coffee and pastry for 20 ₪. " * 5


def bluesky_channel(workspace) -> Channel:
    """Validation needs no network call, so the channel row is enough for composing. Its server is a
    loopback port where nothing listens, so a test that does call the network never leaves the machine."""
    channel = Channel(workspace=workspace, network="bluesky", name="Bluesky Kafe",
                      config={"handle": "kafe.test", "did": "did:plc:kafe", "pds_url": "http://127.0.0.1:9"})
    channel.credentials = {"app_password": "not-used-here"}
    channel.save()
    return channel


def next_week_day(workspace, days: int) -> datetime:
    local_now = datetime.now(ZoneInfo(workspace.timezone))
    return (local_now + timedelta(days=days)).replace(hour=10, minute=0, second=0, microsecond=0)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_manager_composes_fixes_schedules_moves_and_the_client_approves(page, browser, live_server, owner,
                                                                        workspace, channel, tmp_path, settings):
    settings.SITE_URL = live_server.url  # the link the client gets points at this server
    workspace.approval_flow = ApprovalFlow.CLIENT
    workspace.save()
    bluesky = bluesky_channel(workspace)
    log_in(page, live_server.url, "olga", "pw-olga-123", "/compose/")

    # Written once for two channels: too long for Bluesky's 300 graphemes, fine for Mastodon's 500.
    page.check(f"input[name=channels][value='{channel.pk}']")
    page.check(f"input[name=channels][value='{bluesky.pk}']")
    page.fill("textarea[name=text]", LONG_TEXT[:420])
    problems = page.locator(f".problems[data-channel='{bluesky.pk}']")
    problems.get_by_text("300").first.wait_for(timeout=5000)
    assert page.locator(f".problems[data-channel='{channel.pk}']").inner_text().strip() == ""

    # A photo uploaded from the composer lands in the library, ticked, and shows in the previews.
    page.set_input_files("#upload", files=[{"name": "winter-menu.png", "mimeType": "image/png",
                                            "buffer": image_bytes(800, 600, colour="teal")}])
    page.locator("#media-grid input[name=media]:checked").wait_for(timeout=5000)
    page.locator(f"#preview-{bluesky.pk} .pv-media img").wait_for(timeout=5000)
    keep_screenshot(page, "composer", tmp_path)

    # Shortened for Bluesky only; Mastodon keeps the whole text.
    page.fill(f"textarea[name=text_{bluesky.pk}]", LONG_TEXT[:200])
    page.wait_for_function(
        f"document.querySelector(\".problems[data-channel='{bluesky.pk}']\").innerText.trim() === ''", timeout=5000)
    when = next_week_day(workspace, 3)
    page.fill("input[name=scheduled_at]", when.strftime("%Y-%m-%dT%H:%M"))
    page.click("button[name=action][value=schedule]")
    page.wait_for_url("**/posts/*/", timeout=5000)

    post = Post.objects.get()
    texts = {v.channel_id: v.text for v in post.variants.all()}
    assert texts == {channel.pk: LONG_TEXT[:420], bluesky.pk: LONG_TEXT[:200]}
    assert {v.publication.state for v in post.variants.all()} == {State.SCHEDULED}
    assert [[m.filename for m in v.ordered_media()] for v in post.variants.all()] == [["winter-menu.png"]] * 2

    # Internal review, then the manager approves; the workspace's flow sends it on to the client.
    page.click("button[name=action][value=review]")
    page.click("button[name=action][value=approve]")
    page.locator("#approval-state", has_text="With the client").wait_for(timeout=5000)
    keep_screenshot(page, "post", tmp_path)

    # On the calendar, dragged two days later: same local time, new day.
    page.goto(f"{live_server.url}/calendar/?date={when:%Y-%m-%d}")
    keep_screenshot(page, "calendar-month", tmp_path)
    mastodon_publication = post.variants.get(channel=channel).publication
    entry = page.locator(f".entry[data-publication='{mastodon_publication.pk}']")
    target_day = when + timedelta(days=2)
    if not page.locator(f".day[data-date='{target_day:%Y-%m-%d}']").count():  # the week crosses into next month
        page.goto(f"{live_server.url}/calendar/?view=week&date={when:%Y-%m-%d}")
    entry.drag_to(page.locator(f".day[data-date='{target_day:%Y-%m-%d}']").first)
    page.locator(f".day[data-date='{target_day:%Y-%m-%d}'] .entry[data-publication='{mastodon_publication.pk}']"
                 ).wait_for(timeout=5000)
    mastodon_publication.refresh_from_db()
    assert mastodon_publication.scheduled_at == (when + timedelta(days=2)).astimezone(ZoneInfo("UTC"))

    # The client gets a link, opens it without an account and approves.
    page.goto(f"{live_server.url}/review/")
    page.fill("input[name=recipient_name]", "Dana Levi")
    page.get_by_role("button", name="Create link").click()
    link = page.locator("#new-link input.copy").input_value()
    keep_screenshot(page, "review", tmp_path)
    client_page = browser.new_page(locale="en-US", viewport={"width": 1280, "height": 860})
    client_page.goto(link)
    keep_screenshot(client_page, "client-approval", tmp_path)
    client_page.locator(f"#post-{post.pk} button[name=decision][value=approve]").click()
    client_page.locator(f"#post-{post.pk} h2 .approval", has_text="Approved").wait_for(timeout=5000)
    post.refresh_from_db()
    assert post.approval_state == ApprovalState.APPROVED
    assert post.comments.filter(author_name="Dana Levi").exists()

    page.goto(f"{live_server.url}/library/")
    page.get_by_text("Used in 1 post").wait_for(timeout=5000)
    keep_screenshot(page, "media-library", tmp_path)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_hebrew_speaker_gets_the_interface_in_hebrew_right_to_left(page, live_server, owner, workspace, channel,
                                                                     tmp_path):
    UserSettings.objects.update_or_create(user=owner, defaults={"language": "he"})
    log_in(page, live_server.url, "olga", "pw-olga-123", "/calendar/")

    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("document.documentElement.lang") == "he"
    menu = page.locator("nav.menu").inner_text()
    with translation.override("he"):
        calendar_in_hebrew = translation.gettext("Calendar")
    assert "Calendar" not in menu and calendar_in_hebrew in menu and calendar_in_hebrew != "Calendar"
    # Logical properties: the menu starts on the right in a right-to-left page.
    brand, nav = page.locator(".brand").bounding_box(), page.locator("nav.menu").bounding_box()
    assert brand["x"] > nav["x"]
    keep_screenshot(page, "calendar-hebrew", tmp_path)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_community_manager_works_the_inbox(page, live_server, owner, workspace, tmp_path):
    from stoa.inbox.actions import ingest
    from stoa.inbox.models import Item, SavedReply, Status
    from stoa.providers.base import Incoming, Person

    channel = bluesky_channel(workspace)
    now = datetime.now(ZoneInfo("UTC"))
    said = [("ההזמנה שלי לא הגיעה כבר שבוע, שירות גרוע!!! אף אחד לא עונה", "Dana Levi"),
            ("Πόσο κοστίζει η παράδοση στην Αθήνα;", "Νίκος"),
            ("I want to order 20 boxes of your coffee for our office, who do I talk to?", "Sam"),
            ("مشكورين على الخدمة الرائعة ❤️", "Layla")]
    ingest(channel, [Incoming(f"at://did:plc:{n}/app.bsky.feed.post/{n}", "comment", text,
                              Person(f"did:plc:{n}", handle=f"person{n}.test", name=name, follows_brand=n % 2 == 0),
                              now - timedelta(minutes=90 - n)) for n, (text, name) in enumerate(said)])
    SavedReply.objects.create(workspace=workspace, title="Late order", intent="complaint",
                              body="{name}, we are sorry! We are checking your order now.")
    log_in(page, live_server.url, "olga", "pw-olga-123", "/inbox/")
    page.locator(".inbox-item").first.wait_for(timeout=5000)
    assert page.locator(".inbox-item").count() == 4
    keep_screenshot(page, "inbox", tmp_path)

    complaint = Item.objects.get(author__name="Dana Levi")
    page.click(f"#item-{complaint.pk} a.open")
    page.select_option("select.saved-replies", label="Late order")
    assert page.input_value("textarea[name=text]") == "Dana Levi, we are sorry! We are checking your order now."
    page.fill("textarea[name=body]", "Order 4521: courier lost it, refund approved")
    page.click("button[name=action][value=note]")
    page.get_by_text("Order 4521: courier lost it").wait_for(timeout=5000)
    page.click(f"#item-{complaint.pk} button:has-text('Done')")
    page.locator(f"#item-{complaint.pk}.done").wait_for(timeout=5000)
    keep_screenshot(page, "inbox-message", tmp_path)
    complaint.refresh_from_db()
    assert complaint.status == Status.DONE and complaint.notes.count() == 1

    # The policy the team answers under, and how fast it answered.
    page.goto(f"{live_server.url}/inbox/policy/")
    page.fill("input[name=target_complaint]", "30")
    page.locator("form:has(input[name=target_complaint]) button").click()
    page.locator("input[name=target_complaint][value='30']").wait_for(timeout=5000)
    keep_screenshot(page, "inbox-policy", tmp_path)
    page.goto(f"{live_server.url}/inbox/report/")
    page.get_by_text("By channel").wait_for(timeout=5000)
    keep_screenshot(page, "inbox-report", tmp_path)
