"""Every refused action says why where the person acted, in their language, and stays said while the page
checks and refreshes itself: the composer's submit, a publication row's buttons, a time in the past in the
composer and on the calendar (with "Publish now" next to it). And the composer's own parts that say what
will go out: alt text per image and the language of each variant."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from stoa.posts.actions import VariantInput, create_post
from stoa.posts.drafts import draft_for
from stoa.posts.models import Media, Post, Publication, State
from stoa.workspaces.models import ApprovalFlow, UserSettings
from tests.core.helpers import image_bytes
from tests.planning.helpers import local_day, plan_post
from tests.web.conftest import log_in
from tests.web.test_journey import bluesky_channel


def said_in(language: str, text: str, **values) -> str:
    with translation.override(language):
        return translation.gettext(text) % values if values else translation.gettext(text)


def submit(page, action: str) -> None:
    """A button of the composer, and the refused page it answers with, once its live check (which runs
    when the page loads) has answered too."""
    with page.expect_response(lambda r: "/compose/check/" in r.url), page.expect_navigation():
        page.click(f"button[name=action][value={action}]")
    page.wait_for_load_state("networkidle")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_composer_says_why_a_submit_was_refused_by_its_buttons_in_hebrew(page, live_server, owner, workspace,
                                                                               channel):
    UserSettings.objects.update_or_create(user=owner, defaults={"language": "he"})
    log_in(page, live_server.url, "olga", "pw-olga-123", f"/compose/?workspace={workspace.slug}")
    refusal = page.locator("#refusal")

    page.fill("textarea[name=text]", "מבצע חורף בקפה יפו")
    submit(page, "draft")
    no_channel = said_in("he", "Choose at least one channel.")
    assert refusal.inner_text().strip() == no_channel and no_channel != "Choose at least one channel."
    assert page.evaluate("document.activeElement.id") == "refusal"  # where the eyes go, also off screen
    page.check(f"input[name=channels][value='{channel.pk}']")
    assert refusal.inner_text().strip() == ""  # ticking a channel answers it

    submit(page, "schedule")
    assert refusal.inner_text().strip() == said_in("he", "Pick the date and time to publish at.")

    submit(page, "queue")
    assert refusal.inner_text().strip() == said_in(
        "he", "%(channel)s has no time slots yet; add some in the content plan.", channel=channel.name)
    assert Post.objects.count() == 0


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_time_in_the_past_comes_with_publish_now(page, live_server, owner, workspace, channel):
    log_in(page, live_server.url, "olga", "pw-olga-123", f"/compose/?workspace={workspace.slug}")
    page.check(f"input[name=channels][value='{channel.pk}']")
    page.fill("textarea[name=text]", "בוקר טוב מיפו")
    yesterday = datetime.now(ZoneInfo(workspace.timezone)) - timedelta(days=1)
    page.fill("input[name=scheduled_at]", f"{yesterday:%Y-%m-%dT%H:%M}")
    when = page.locator("#when-problems")
    when.get_by_text("That time is in the past. Pick a future time, or publish now.").wait_for(timeout=5000)

    when.get_by_role("button", name="Publish now").click()
    page.wait_for_url("**/posts/*/", timeout=5000)
    publication = Publication.objects.get()
    assert publication.state == State.SCHEDULED
    assert abs(publication.scheduled_at - timezone.now()) < timedelta(minutes=1)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_refused_row_button_says_why_in_the_row_in_russian_and_keeps_saying_it(page, live_server, owner,
                                                                                 workspace, channel):
    UserSettings.objects.update_or_create(user=owner, defaults={"language": "ru"})
    workspace.approval_flow = ApprovalFlow.INTERNAL
    workspace.save()
    post = create_post(owner, workspace, text="בוקר טוב", variants=[VariantInput(channel.pk)],
                       scheduled_at=timezone.now() + timedelta(hours=1))
    missed = timezone.now() - timedelta(hours=2)
    Publication.objects.filter(variant__post=post).update(state=State.MISSED, scheduled_at=missed)
    publication = Publication.objects.get()
    log_in(page, live_server.url, "olga", "pw-olga-123", "/")

    row = page.locator(f"#publication-{publication.pk}")
    row.get_by_role("button", name=said_in("ru", "Publish now")).click()
    reason = said_in("ru", "%(workspace)s publishes only approved posts; this one is %(state)s.",
                     workspace=workspace.name, state=said_in("ru", "Draft").lower())
    row.get_by_role("alert").get_by_text(reason).wait_for(timeout=5000)
    assert "publishes" not in reason  # said in Russian

    # The list refreshes itself every 15 seconds; the reason stays with its row.
    with page.expect_response(lambda r: r.url.rstrip("/") == live_server.url.rstrip("/")):
        page.evaluate("htmx.ajax('GET', location.pathname, {source: '#publications', target: '#publications', "
                      "swap: 'innerHTML'})")
    page.wait_for_load_state("networkidle")
    assert row.get_by_role("alert").inner_text().strip() == reason
    assert Publication.objects.get().state == State.MISSED


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_alt_text_per_image_and_the_language_of_each_variant_in_the_composer(page, live_server, owner, workspace,
                                                                            channel):
    workspace.language = "en"  # the post is Hebrew all the same
    workspace.save()
    bluesky = bluesky_channel(workspace)
    log_in(page, live_server.url, "olga", "pw-olga-123", f"/compose/?workspace={workspace.slug}")
    page.check(f"input[name=channels][value='{channel.pk}']")
    page.check(f"input[name=channels][value='{bluesky.pk}']")
    page.fill("textarea[name=text]", "מבצע חורף בקפה יפו: כל קפה ומאפה ב-20 ₪")
    page.locator(f"#language-{bluesky.pk}", has_text="Published as Hebrew (he)").wait_for(timeout=5000)
    assert page.locator(f"#language-{channel.pk}").inner_text() == "Published as Hebrew (he)"

    page.set_input_files("#upload", files=[{"name": "winter-menu.png", "mimeType": "image/png",
                                            "buffer": image_bytes(800, 600, colour="teal")}])
    page.locator("#media-grid input[name=media]:checked").wait_for(timeout=5000)
    media = Media.objects.get()
    tile = page.locator(".media-choice", has=page.locator(f"input[value='{media.pk}']"))
    assert tile.locator(".no-alt").is_visible()
    alt = page.locator(f"#alt-texts .alt-text[data-media='{media.pk}'] textarea")
    alt.fill("The winter menu board: coffee and pastry for 20 shekels")
    assert not tile.locator(".no-alt").is_visible()
    page.locator(f"#preview-{bluesky.pk} img[alt^='The winter menu board']").wait_for(timeout=5000)

    page.select_option(f"select[name=language_{bluesky.pk}]", "el")
    page.locator(f"#language-{bluesky.pk}", has_text="Published as Greek (el)").wait_for(timeout=5000)
    page.click("button[name=action][value=draft]")
    page.wait_for_url("**/posts/*/", timeout=5000)

    media.refresh_from_db()
    assert media.alt_text == "The winter menu board: coffee and pastry for 20 shekels"
    drafts = {v.channel_id: draft_for(v) for v in Post.objects.get().variants.all()}
    assert {pk: d.language for pk, d in drafts.items()} == {channel.pk: "he", bluesky.pk: "el"}
    assert [m.alt_text for m in drafts[bluesky.pk].media] == [media.alt_text]


def test_a_drop_on_the_past_is_refused_with_the_offer_to_publish_now(client, owner, workspace, channel):
    [publication] = plan_post(owner, workspace, [channel], local_day(workspace, 3))
    client.force_login(owner)
    url = reverse("calendar-move", args=[publication.pk])
    refused = client.post(url, {"date": f"{local_day(workspace, -2):%Y-%m-%d}"})
    assert refused.status_code == 422 and refused["Stoa-Offer"] == "publish-now"
    assert "in the past" in refused.content.decode()
    answer = client.post(url, {"now": "1"})
    assert answer.status_code == 200 and f'data-publication="{publication.pk}"' in answer.content.decode()
    publication.refresh_from_db()
    assert publication.state == State.SCHEDULED
    assert abs(publication.scheduled_at - timezone.now()) < timedelta(minutes=1)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_post_dropped_on_a_past_day_can_be_published_now_from_the_calendar(page, live_server, owner, workspace,
                                                                           channel):
    three_days_ago = local_day(workspace, -3)
    [publication] = plan_post(owner, workspace, [channel], local_day(workspace, 3))
    Publication.objects.filter(pk=publication.pk).update(  # missed three days ago: still movable
        state=State.MISSED, scheduled_at=timezone.now() - timedelta(days=3))
    log_in(page, live_server.url, "olga", "pw-olga-123", "/calendar/")
    page.goto(f"{live_server.url}/calendar/?view=week&date={three_days_ago:%Y-%m-%d}")
    entry = page.locator(f".entry[data-publication='{publication.pk}']")
    entry.drag_to(page.locator(f"th.day.past:not([data-date='{three_days_ago:%Y-%m-%d}'])").first)

    message = page.locator("#calendar-message")
    message.get_by_text("That time is in the past. Pick a future time, or publish now.").wait_for(timeout=5000)
    message.get_by_role("button", name="Publish now").click()
    # The calendar shows itself again: the post is no longer missed on that day (it is on today's).
    page.locator(f".entry[data-publication='{publication.pk}'].state-missed").wait_for(state="detached", timeout=5000)
    assert page.locator("#calendar-message").is_hidden()
    publication.refresh_from_db()
    assert publication.state == State.SCHEDULED
    assert abs(publication.scheduled_at - timezone.now()) < timedelta(minutes=1)
