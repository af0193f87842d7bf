"""The composer: written once, adapted per channel, checked by each network while typing, saved five ways."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from stoa.planning.actions import add_slot
from stoa.posts.actions import VariantInput, add_media, create_post
from stoa.posts.models import ApprovalState, Post, Publication, State
from stoa.workspaces.models import ApprovalFlow, UserSettings
from tests.core.helpers import image_bytes
from tests.web.test_journey import bluesky_channel

HEBREW = "מבצע חורף בקפה יפו ☕ #חורף https://kafe.example/menu "


@pytest.fixture
def logged_in(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def bluesky(workspace):
    return bluesky_channel(workspace)


def local(workspace, days: int = 3, hour: int = 10) -> datetime:
    now = datetime.now(ZoneInfo(workspace.timezone))
    return (now + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


def form(workspace, channels, text=HEBREW, **extra) -> dict:
    data = {"workspace": workspace.slug, "text": text, "channels": [c.pk for c in channels]}
    for c in channels:
        data[f"own_{c.pk}"] = "0"
    data.update(extra)
    return data


def check(client, workspace, data) -> str:
    response = client.post(f"/compose/check/?workspace={workspace.slug}", data)
    assert response.status_code == 200
    return response.content.decode()


def test_composer_offers_the_workspace_channels_and_media(logged_in, owner, workspace, channel, bluesky):
    add_media(owner, workspace, "menu.png", image_bytes(), alt_text="The winter menu")
    page = logged_in.get("/compose/").content.decode()
    assert channel.name in page and bluesky.name in page
    assert "menu.png" in page and "The winter menu" in page
    assert f'name="text_{bluesky.pk}"' in page and "Content warning" in page  # Mastodon's own option


def test_live_check_counts_as_each_network_counts_and_says_what_is_wrong(logged_in, workspace, channel, bluesky):
    text = "א" * 320
    answer = check(logged_in, workspace, form(workspace, [channel, bluesky], text=text))
    assert f'id="problems-{bluesky.pk}"' in answer and "Bluesky allows 300 characters (graphemes)" in answer
    assert "20 characters too many" in answer
    assert "180 characters left" in answer  # Mastodon: 500
    assert f'id="preview-{channel.pk}"' in answer and "pv-mastodon" in answer


def test_live_check_speaks_the_users_language(logged_in, owner, workspace, bluesky):
    UserSettings.objects.update_or_create(user=owner, defaults={"language": "ru"})
    answer = check(logged_in, workspace, form(workspace, [bluesky], text="ж" * 301))
    assert "Bluesky allows" not in answer and "Bluesky" in answer and "301" in answer


def test_the_preview_shows_the_chosen_time_not_now(logged_in, workspace, bluesky):
    tomorrow = (datetime.now(ZoneInfo(workspace.timezone)) + timedelta(days=1)).replace(second=0, microsecond=0)
    assert ">now<" in check(logged_in, workspace, form(workspace, [bluesky]))
    answer = check(logged_in, workspace, form(workspace, [bluesky], scheduled_at=f"{tomorrow:%Y-%m-%dT%H:%M}"))
    assert ">now<" not in answer and f'<time datetime="{tomorrow.isoformat()}' in answer


def test_preview_marks_links_and_hashtags_and_escapes_markup(logged_in, workspace, bluesky):
    answer = check(logged_in, workspace, form(workspace, [bluesky], text="<script>x</script> #חורף https://kafe.example/a."))
    assert "<script>" not in answer and "&lt;script&gt;" in answer
    assert '<span class="tag">#חורף</span>' in answer
    assert 'href="https://kafe.example/a"' in answer  # the full stop ends the sentence, not the link
    assert 'dir="auto"' in answer


def test_variant_keeps_its_own_text_and_others_follow_the_common_text(logged_in, workspace, channel, bluesky):
    when = local(workspace)
    data = form(workspace, [channel, bluesky], text="א" * 400, action="schedule",
                scheduled_at=f"{when:%Y-%m-%dT%H:%M}", **{f"own_{bluesky.pk}": "1", f"text_{bluesky.pk}": "קצר"})
    response = logged_in.post("/compose/", data)
    post = Post.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/posts/{post.pk}/"
    assert {v.channel_id: v.text for v in post.variants.all()} == {channel.pk: "א" * 400, bluesky.pk: "קצר"}
    assert {p.scheduled_at for p in Publication.objects.all()} == {when.astimezone(ZoneInfo("UTC"))}
    assert set(Publication.objects.values_list("state", flat=True)) == {State.SCHEDULED}


def test_a_refused_post_saves_nothing_and_keeps_what_was_written(logged_in, workspace, channel, bluesky):
    data = form(workspace, [channel, bluesky], text="ש" * 350, action="schedule",
                scheduled_at=f"{local(workspace, days=-2):%Y-%m-%dT%H:%M}")
    response = logged_in.post("/compose/", data)
    page = response.content.decode()
    assert response.status_code == 422 and Post.objects.count() == 0
    assert "in the past" in page and "Bluesky allows 300" in page
    assert "ש" * 350 in page  # nothing typed is lost


def test_scheduling_needs_a_time(logged_in, workspace, channel):
    response = logged_in.post("/compose/", form(workspace, [channel], action="schedule"))
    assert response.status_code == 422 and "Pick the date and time" in response.content.decode()


def test_draft_thread_and_network_options_are_saved(logged_in, workspace, channel):
    data = form(workspace, [channel], action="draft", content_type="selling", tags="#winter, menu, winter",
                **{f"thread_{channel.pk}": ["second post", ""],
                   f"option_{channel.pk}_spoiler_text": "food", f"option_{channel.pk}_visibility": "unlisted"})
    assert logged_in.post("/compose/", data).status_code == 302
    post = Post.objects.get()
    variant = post.variants.get()
    assert (post.content_type, post.tags) == ("selling", ["winter", "menu"])
    assert variant.options == {"thread": ["second post"], "spoiler_text": "food", "visibility": "unlisted"}
    assert variant.publication.state == State.DRAFT


def test_queue_gives_each_channel_its_next_free_slot(logged_in, owner, workspace, channel, bluesky):
    tomorrow = local(workspace, days=1)
    add_slot(owner, channel, weekday=tomorrow.weekday(), time_of_day="09:30")
    add_slot(owner, bluesky, weekday=tomorrow.weekday(), time_of_day="18:00")
    response = logged_in.post("/compose/", form(workspace, [channel, bluesky], text="שלום", action="queue"))
    assert response.status_code == 302
    times = {p.channel_id: p.scheduled_at.astimezone(ZoneInfo(workspace.timezone)) for p in Publication.objects.all()}
    assert times[channel.pk].strftime("%H:%M") == "09:30" and times[bluesky.pk].strftime("%H:%M") == "18:00"
    assert times[channel.pk].date() == tomorrow.date()


def test_queue_without_slots_names_the_channel_and_saves_nothing(logged_in, workspace, channel):
    response = logged_in.post("/compose/", form(workspace, [channel], action="queue"))
    assert response.status_code == 422 and "has no time slots" in response.content.decode()
    assert Post.objects.count() == 0


def test_send_for_approval_puts_the_post_in_review(logged_in, workspace, channel):
    workspace.approval_flow = ApprovalFlow.INTERNAL
    workspace.save()
    assert logged_in.post("/compose/", form(workspace, [channel], action="review")).status_code == 302
    assert Post.objects.get().approval_state == ApprovalState.IN_REVIEW


def test_analyst_cannot_compose_and_editor_cannot_schedule_without_publish_rights(client, workspace, channel,
                                                                                   member):
    client.force_login(member("analyst"))
    assert client.get("/compose/").status_code == 403
    assert client.post(f"/compose/check/?workspace={workspace.slug}", form(workspace, [channel])).status_code == 403


def test_a_stranger_cannot_use_another_workspaces_channels(client, stranger, other_workspace, workspace, channel):
    client.force_login(stranger)
    client.post(f"/compose/?workspace={other_workspace.slug}",
                form(other_workspace, [channel], action="draft"))
    assert not Post.objects.filter(variants__channel=channel).exists()


def test_editing_changes_the_text_adds_a_channel_and_sends_an_approved_post_back_to_review(
        logged_in, owner, workspace, channel, bluesky):
    workspace.approval_flow = ApprovalFlow.INTERNAL
    workspace.save()
    post = create_post(owner, workspace, text="ישן", variants=[VariantInput(channel.pk)],
                       scheduled_at=timezone.now() + timedelta(days=2))
    Post.objects.filter(pk=post.pk).update(approval_state=ApprovalState.APPROVED)
    page = logged_in.get(f"/posts/{post.pk}/edit/").content.decode()
    assert "ישן" in page
    when = local(workspace, days=4)
    data = form(workspace, [channel, bluesky], text="חדש", action="schedule", scheduled_at=f"{when:%Y-%m-%dT%H:%M}")
    assert logged_in.post(f"/posts/{post.pk}/edit/", data).status_code == 302
    post.refresh_from_db()
    assert {v.channel_id: v.text for v in post.variants.all()} == {channel.pk: "חדש", bluesky.pk: "חדש"}
    assert {p.scheduled_at for p in Publication.objects.all()} == {when.astimezone(ZoneInfo("UTC"))}
    assert post.approval_state == ApprovalState.IN_REVIEW


def test_a_published_channel_is_shown_but_not_changed(logged_in, owner, workspace, channel, bluesky):
    post = create_post(owner, workspace, text="out already", variants=[VariantInput(channel.pk)])
    Publication.objects.filter(variant__post=post).update(state=State.PUBLISHED)
    page = logged_in.get(f"/posts/{post.pk}/edit/").content.decode()
    assert "can no longer be edited" in page
    logged_in.post(f"/posts/{post.pk}/edit/", form(workspace, [channel], text="changed", action="draft"))
    assert post.variants.get().text == "out already"


def test_the_days_theme_and_its_hashtags_are_offered_for_the_chosen_day(logged_in, owner, workspace, channel):
    from stoa.planning.actions import save_theme

    when = local(workspace, days=2)
    save_theme(owner, workspace, weekday=when.weekday(), name="Tip Tuesday", hashtags="#TipTuesday #קפה")
    answer = check(logged_in, workspace, form(workspace, [channel], scheduled_at=f"{when:%Y-%m-%dT%H:%M}"))
    assert 'id="day-plan"' in answer and "Tip Tuesday" in answer and 'data-hashtag="#קפה"' in answer
    other_day = check(logged_in, workspace, form(workspace, [channel],
                                                 scheduled_at=f"{when + timedelta(days=1):%Y-%m-%dT%H:%M}"))
    assert "Tip Tuesday" not in other_day


def test_saving_a_scheduled_post_with_another_time_moves_it(logged_in, owner, workspace, channel):
    post = create_post(owner, workspace, text="שלום", variants=[VariantInput(channel.pk)],
                       scheduled_at=timezone.now() + timedelta(days=2))
    when = local(workspace, days=5, hour=8)
    data = form(workspace, [channel], text="שלום", action="draft", scheduled_at=f"{when:%Y-%m-%dT%H:%M}")
    assert logged_in.post(f"/posts/{post.pk}/edit/", data).status_code == 302
    publication = Publication.objects.get()
    assert (publication.state, publication.scheduled_at) == (State.SCHEDULED, when.astimezone(ZoneInfo("UTC")))


def part(page: str, element_id: str) -> str:
    """The inside of the element with this id (a div without divs in it)."""
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</div>', page, re.S)
    assert match, f"no #{element_id}"
    return match.group(1)


@pytest.mark.parametrize(("action", "channels", "said"), [
    ("schedule", True, "Pick the date and time to publish at."),
    ("draft", False, "Choose at least one channel."),
    ("queue", True, "has no time slots yet"),
])
def test_a_refused_submit_says_why_by_the_buttons(logged_in, workspace, channel, action, channels, said):
    response = logged_in.post("/compose/", form(workspace, [channel] if channels else [], action=action))
    page = response.content.decode()
    assert response.status_code == 422 and said in part(page, "refusal")
    assert said not in part(page, "general-problems")  # the live check, which replaces that, does not say it


def test_a_refusal_the_live_check_gives_is_said_once(logged_in, workspace, channel):
    past = local(workspace, days=-1)
    response = logged_in.post("/compose/", form(workspace, [channel], action="schedule",
                                                scheduled_at=f"{past:%Y-%m-%dT%H:%M}"))
    page = response.content.decode()
    assert response.status_code == 422 and page.count("That time is in the past") == 1
    assert "That time is in the past" in part(page, "when-problems") and part(page, "refusal") == ""
    assert page.index('value="draft"') < page.index('value="now"')  # Enter in a field saves; it never publishes


def test_a_past_time_offers_to_publish_now(logged_in, workspace, channel, member):
    past = f"{local(workspace, days=-1):%Y-%m-%dT%H:%M}"
    answer = check(logged_in, workspace, form(workspace, [channel], scheduled_at=past))
    when = part(answer, "when-problems")
    assert "That time is in the past" in when and 'name="action" value="now"' in when
    future = check(logged_in, workspace, form(workspace, [channel], scheduled_at=f"{local(workspace):%Y-%m-%dT%H:%M}"))
    assert 'value="now"' not in future


def test_publish_now_from_the_composer_schedules_each_channel_at_once(logged_in, workspace, channel, bluesky):
    past = f"{local(workspace, days=-1):%Y-%m-%dT%H:%M}"
    response = logged_in.post("/compose/", form(workspace, [channel, bluesky], action="now", scheduled_at=past))
    assert response.status_code == 302
    for publication in Publication.objects.all():
        assert publication.state == State.SCHEDULED
        assert abs(publication.scheduled_at - timezone.now()) < timedelta(minutes=1)


def test_publish_now_where_posts_need_approval_says_why_and_saves_nothing(logged_in, workspace, channel):
    workspace.approval_flow = ApprovalFlow.INTERNAL
    workspace.save()
    response = logged_in.post("/compose/", form(workspace, [channel], action="now"))
    assert response.status_code == 422 and "publishes only approved posts" in part(response.content.decode(), "refusal")
    assert Post.objects.count() == 0


def test_alt_text_typed_under_a_chosen_image_is_previewed_and_saved_with_the_post(logged_in, owner, workspace,
                                                                                  bluesky):
    menu = add_media(owner, workspace, "menu.png", image_bytes())
    page = logged_in.get("/compose/").content.decode()
    assert f'name="alt_{menu.pk}"' in page and "no alt text" in page
    fields = form(workspace, [bluesky], media=[menu.pk], **{f"alt_{menu.pk}": " The winter menu "})
    assert 'alt="The winter menu"' in check(logged_in, workspace, fields).split(f'id="preview-{bluesky.pk}"')[1]
    menu.refresh_from_db()
    assert menu.alt_text == ""  # typing is not saving
    assert logged_in.post("/compose/", {**fields, "action": "draft"}).status_code == 302
    menu.refresh_from_db()
    assert menu.alt_text == "The winter menu"


def test_alt_text_of_a_refused_post_is_kept_on_the_page_and_not_saved(logged_in, owner, workspace, bluesky):
    menu = add_media(owner, workspace, "menu.png", image_bytes(), alt_text="old")
    fields = form(workspace, [bluesky], media=[menu.pk], action="schedule", **{f"alt_{menu.pk}": "new"})
    response = logged_in.post("/compose/", fields)
    assert response.status_code == 422 and ">new</textarea>" in response.content.decode()
    menu.refresh_from_db()
    assert menu.alt_text == "old"


def test_a_variants_language_comes_from_its_text_and_can_be_picked(logged_in, workspace, channel, bluesky):
    workspace.language = "en"
    workspace.save()
    answer = check(logged_in, workspace, form(workspace, [channel, bluesky], text="מבצע חורף בקפה יפו"))
    assert answer.count("Published as Hebrew (he)") == 2
    picked = form(workspace, [channel, bluesky], text="מבצע חורף בקפה יפו", **{f"language_{bluesky.pk}": "el"})
    answer = check(logged_in, workspace, picked)
    assert "Published as Greek (el)" in answer and "Published as Hebrew (he)" in answer
    assert logged_in.post("/compose/", {**picked, "action": "draft"}).status_code == 302
    languages = {v.channel_id: v.options.get("language") for v in Post.objects.get().variants.all()}
    assert languages == {channel.pk: None, bluesky.pk: "el"}


def test_picking_from_the_text_again_drops_the_variants_language(logged_in, owner, workspace, channel):
    post = create_post(owner, workspace, text="שלום", variants=[VariantInput(channel.pk, options={"language": "ar"})])
    page = logged_in.get(f"/posts/{post.pk}/edit/").content.decode()
    assert '<option value="ar" selected>' in page and "Published as Arabic (ar)" in page
    fields = form(workspace, [channel], text="שלום", action="draft", **{f"language_{channel.pk}": ""})
    assert logged_in.post(f"/posts/{post.pk}/edit/", fields).status_code == 302
    assert post.variants.get().options == {}


def test_the_composer_and_the_api_refuse_the_same_post_in_the_same_words(logged_in, owner, workspace, bluesky):
    """Both go through posts.actions.create_post and its checks: a text too long for Bluesky at a time gone."""
    import html

    from django.test import Client

    from stoa.workspaces.models import ApiToken

    when = local(workspace, days=-2)
    page = logged_in.post("/compose/", form(workspace, [bluesky], text="ש" * 350, action="schedule",
                                            scheduled_at=f"{when:%Y-%m-%dT%H:%M}"))
    _, token = ApiToken.issue(owner, "tests")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}").post(
        f"/api/v1/workspaces/{workspace.pk}/posts",
        {"text": "ש" * 350, "variants": [{"channel_id": bluesky.pk}], "scheduled_at": when.isoformat()},
        content_type="application/json")
    assert page.status_code == api.status_code == 422 and not Post.objects.exists()
    said = html.unescape(page.content.decode())
    messages = [error["message"] for error in api.json()["detail"]]
    assert any("in the past" in m for m in messages) and any("Bluesky allows 300" in m for m in messages)
    for message in messages:  # the API names the channel a problem is of; the page says it under the channel
        assert message.removeprefix(f"{bluesky.name} (text): ") in said


CAMPAIGN_LINK = "https://kafe.example/menu"


def test_the_campaign_is_offered_from_the_workspaces_posts_and_costs_and_saved_trimmed(
        logged_in, owner, stranger, workspace, other_workspace, channel):
    from stoa.links.conversions import add_cost

    create_post(owner, workspace, text="ישן", variants=[VariantInput(channel.pk)], campaign="חורף-חם")
    add_cost(owner, workspace, campaign="מארז-פולים", period_start=timezone.now().date(),
             period_end=timezone.now().date(), amount=120)
    Post.objects.create(workspace=other_workspace, campaign="not-hers")
    add_cost(stranger, other_workspace, campaign="not-hers-either", period_start=timezone.now().date(),
             period_end=timezone.now().date(), amount=1)
    page = logged_in.get("/compose/").content.decode()
    assert 'name="campaign"' in page and 'list="campaigns"' in page
    datalist = re.search(r'<datalist id="campaigns">(.*?)</datalist>', page, re.S).group(1)
    assert re.findall(r'<option value="([^"]*)">', datalist) == ["חורף-חם", "מארז-פולים"]  # not another workspace's
    response = logged_in.post("/compose/", form(workspace, [channel], action="draft", campaign="  בוקר-שישי \n"))
    assert response.status_code == 302
    post = Post.objects.latest("pk")
    assert post.campaign == "בוקר-שישי"
    shown = logged_in.get(f"/posts/{post.pk}/").content.decode()
    assert 'id="post-campaign">Campaign: <bdi dir="auto">בוקר-שישי</bdi>' in shown
    assert 'value="בוקר-שישי"' in logged_in.get(f"/posts/{post.pk}/edit/").content.decode()


def test_a_campaign_changed_before_publishing_is_the_utm_campaign_of_what_is_sent(logged_in, owner, workspace,
                                                                                  channel):
    from stoa.links.actions import update_link_settings
    from stoa.posts.drafts import draft_to_send
    from stoa.workspaces.models import AuditEvent

    update_link_settings(owner, workspace, utm_enabled=True, utm_campaign="{campaign}")
    text = f"Menu {CAMPAIGN_LINK}"
    when = f"{local(workspace, days=2):%Y-%m-%dT%H:%M}"
    assert logged_in.post("/compose/", form(workspace, [channel], text=text, action="schedule", scheduled_at=when,
                                            campaign="winter")).status_code == 302
    publication = Publication.objects.get()
    post = publication.variant.post
    assert "utm_campaign=winter" in draft_to_send(publication).text
    # While editing, the preview shows the campaign as typed; saving is what changes it.
    answer = logged_in.post(f"/compose/check/?workspace={workspace.slug}&post={post.pk}",
                            form(workspace, [channel], text=text, campaign="חנוכה"))
    assert "utm_campaign=%D7%97%D7%A0%D7%95%D7%9B%D7%94" in answer.content.decode()
    post.refresh_from_db()
    assert post.campaign == "winter"
    edited = form(workspace, [channel], text=text, action="draft", scheduled_at=when, campaign=" חנוכה ")
    assert logged_in.post(f"/posts/{post.pk}/edit/", edited).status_code == 302
    post.refresh_from_db()
    publication.refresh_from_db()
    assert post.campaign == "חנוכה" and publication.state == State.SCHEDULED
    sent = draft_to_send(publication).text
    assert "utm_campaign=%D7%97%D7%A0%D7%95%D7%9B%D7%94" in sent and "winter" not in sent
    assert AuditEvent.objects.filter(action="post.details", object_id=post.pk).exists()
    history = logged_in.get(f"/posts/{post.pk}/").content.decode()
    assert "Changed the title, content type, tags or campaign." in history
    # A form without the field (an older page, a script) leaves the campaign as it is.
    without = {k: v for k, v in edited.items() if k != "campaign"}
    assert logged_in.post(f"/posts/{post.pk}/edit/", without).status_code == 302
    post.refresh_from_db()
    assert post.campaign == "חנוכה"


def test_a_campaign_longer_than_200_characters_is_refused_in_words(logged_in, owner, workspace, channel):
    said = "The campaign is 201 characters long; it may have at most 200."
    long = "ק" * 201
    answer = check(logged_in, workspace, form(workspace, [channel], campaign=long))
    assert said in part(answer, "general-problems")
    assert said in check(logged_in, workspace, form(workspace, [], campaign=long))  # with no channel chosen yet
    response = logged_in.post("/compose/", form(workspace, [channel], action="draft", campaign=long))
    page = response.content.decode()
    assert response.status_code == 422 and page.count(said) == 1 and not Post.objects.exists()
    assert f'value="{long}"' in page  # what was typed is kept
    post = create_post(owner, workspace, text="שלום", variants=[VariantInput(channel.pk)], campaign="winter")
    response = logged_in.post(f"/posts/{post.pk}/edit/", form(workspace, [channel], text="שלום", action="draft",
                                                              campaign=long))
    assert response.status_code == 422 and said in response.content.decode()
    post.refresh_from_db()
    assert post.campaign == "winter"
    assert logged_in.post("/compose/", form(workspace, [channel], action="draft",
                                            campaign="ק" * 200)).status_code == 302


def test_the_campaign_field_in_hebrew_reads_right_to_left(logged_in, owner, workspace, channel):
    UserSettings.objects.update_or_create(user=owner, defaults={"language": "he"})
    create_post(owner, workspace, text="שלום", variants=[VariantInput(channel.pk)], campaign="חורף-חם")
    page = logged_in.get("/compose/").content.decode()
    assert 'dir="rtl"' in page and 'lang="he"' in page
    assert "קמפיין" in page and "{campaign} בפרמטרי ה-UTM" in page
    assert '<input type="text" name="campaign" value="" list="campaigns" dir="auto"' in page
    answer = check(logged_in, workspace, form(workspace, [channel], campaign="ק" * 205))
    assert "לקמפיין 205 תווים" in answer and "The campaign" not in answer
