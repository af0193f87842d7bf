"""Links in what is checked, previewed and published (stoa/posts/drafts.py with stoa/links): UTM parameters from
the workspace's preset, lengths counted on the tagged text the way each network counts links."""

import pytest
from django.test import Client

from stoa.channels.models import Channel
from stoa.links.actions import update_link_settings
from stoa.posts.actions import VariantInput, check_post, create_post
from stoa.posts.drafts import draft_for, draft_to_send
from stoa.posts.models import Publication
from stoa.workspaces.models import ApiToken
from tests.posts.test_drafts import previewed

CHANNELS = {
    "bluesky": ({"handle": "kafe.test", "did": "did:plc:kafe", "pds_url": "http://127.0.0.1:9"},
                {"app_password": "not-used-here"}),
    "mastodon": ({"instance_url": "http://127.0.0.1:9", "account_id": "1", "max_characters": 500,
                  "characters_reserved_per_url": 23}, {"access_token": "not-used-here"}),
    "telegram": ({"chat_id": "@kafeyafo", "username": "kafeyafo"}, {"bot_token": "123456:not-used-here"}),
}
LINK = "https://kafe.example/menu"


def make_channel(workspace, network: str) -> Channel:
    config, credentials = CHANNELS[network]
    channel = Channel(workspace=workspace, network=network, name=f"Kafe {network}", config=config)
    channel.credentials = credentials
    channel.save()
    return channel


@pytest.fixture
def utm_on(owner, workspace):
    return update_link_settings(owner, workspace, utm_enabled=True, utm_source="{network}", utm_medium="social",
                                utm_campaign="{campaign}", utm_content="{channel}-{post}")


def publication_of(owner, workspace, channel, text: str, **options) -> Publication:
    post = create_post(owner, workspace, text=text, variants=[VariantInput(channel.pk, options=options)],
                       campaign="winter-menu")
    return Publication.objects.get(variant__post=post)


def test_links_are_published_as_written_until_the_workspace_turns_utm_on(owner, workspace):
    channel = make_channel(workspace, "mastodon")
    publication = publication_of(owner, workspace, channel, f"Menu: {LINK}.")
    assert draft_to_send(publication).text == f"Menu: {LINK}."


def test_every_link_of_the_text_and_the_thread_gets_the_workspaces_utm_parameters(owner, workspace, utm_on):
    channel = make_channel(workspace, "mastodon")
    publication = publication_of(owner, workspace, channel, f"תפריט \u200f{LINK}\u200f. https://kafe.example/?utm_source=mail",
                                 thread=[f"({LINK}#drinks)"])
    post_id = publication.variant.post_id
    tags = f"utm_source=mastodon&utm_medium=social&utm_campaign=winter-menu&utm_content=Kafe%20mastodon-{post_id}"
    draft = draft_to_send(publication)
    assert draft.text == (f"תפריט \u200f{LINK}?{tags}\u200f. https://kafe.example/?utm_source=mail&utm_medium=social"
                          f"&utm_campaign=winter-menu&utm_content=Kafe%20mastodon-{post_id}")
    assert draft.options["thread"] == [f"({LINK}?{tags}#drinks)"]


def test_telegrams_link_preview_option_is_tagged_like_the_text(owner, workspace, utm_on):
    channel = make_channel(workspace, "telegram")
    publication = publication_of(owner, workspace, channel, f"Menu {LINK}",
                                 link_preview_options={"url": LINK, "prefer_small_media": True})
    options = draft_to_send(publication).options["link_preview_options"]
    assert options["url"].startswith(f"{LINK}?utm_source=telegram&") and options["prefer_small_media"] is True


def test_the_check_and_the_previews_see_the_text_the_engine_sends(owner, workspace, utm_on):
    channel = make_channel(workspace, "bluesky")
    publication = publication_of(owner, workspace, channel, f"Menu {LINK}")
    sent = draft_to_send(publication)
    assert draft_for(publication.variant) == sent
    assert "utm_content=Kafe%20bluesky-" in sent.text


def test_a_new_posts_check_counts_the_digits_of_the_number_it_will_get(owner, workspace, utm_on):
    channel = make_channel(workspace, "bluesky")
    resolved, checks, errors = check_post(workspace, text=f"Menu {LINK}", variants=[VariantInput(channel.pk)],
                                          campaign="winter-menu")
    publication = publication_of(owner, workspace, channel, f"Menu {LINK}")
    assert len(checks[0].draft.text) == len(draft_to_send(publication).text)


def test_mastodon_counts_a_tagged_link_as_23_characters(owner, workspace, utm_on):
    channel = make_channel(workspace, "mastodon")
    text = "☕" * 470 + " " + LINK  # 471 + 23 = 494 of 500, however long the tagged link is
    publication = publication_of(owner, workspace, channel, text)
    assert len(draft_to_send(publication).text) > 560
    assert channel.provider().validate(draft_to_send(publication)) == []


def test_bluesky_counts_every_grapheme_of_the_tagged_link(owner, workspace, utm_on):
    channel = make_channel(workspace, "bluesky")
    text = "☕" * 250 + " " + LINK  # 276 graphemes as written; over 300 once tagged
    _resolved, _checks, errors = check_post(workspace, text=text, variants=[VariantInput(channel.pk)])
    assert "300" in str(errors["variants[0]"])


def test_telegram_counts_the_visible_text_so_a_tagged_link_in_html_markup_costs_nothing(owner, workspace, utm_on):
    channel = make_channel(workspace, "telegram")
    visible = "☕" * 4080
    plain, _checks, plain_errors = check_post(workspace, text=f"{visible} {LINK}", variants=[VariantInput(channel.pk)])
    assert "4096" in str(plain_errors["variants[0]"])  # the tagged link is visible text
    html = VariantInput(channel.pk, options={"format": "html"})
    marked, _checks, html_errors = check_post(workspace, text=f'{visible} <a href="{LINK}">menu</a>', variants=[html])
    assert html_errors == {}


def test_the_api_names_a_posts_campaign_and_its_links_carry_it(owner, workspace, utm_on):
    channel = make_channel(workspace, "telegram")
    _, token = ApiToken.issue(owner, "tests")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    payload = {"text": f"Menu {LINK}", "variants": [{"channel_id": channel.pk}], "campaign": "חנוכה"}
    checked = api.post(f"/api/v1/workspaces/{workspace.pk}/posts/check", payload, content_type="application/json")
    created = api.post(f"/api/v1/workspaces/{workspace.pk}/posts", payload, content_type="application/json").json()
    assert checked.json()["ok"] is True and created["campaign"] == "חנוכה"
    sent = draft_to_send(Publication.objects.get(pk=created["publications"][0]["id"])).text
    assert "utm_campaign=%D7%97%D7%A0%D7%95%D7%9B%D7%94&" in sent
    assert checked.json()["channels"][0]["length"] == len(sent)  # the check counted the campaign too


def test_the_composer_previews_an_edited_post_with_its_own_campaign_and_number(owner, workspace, utm_on, client):
    channel = make_channel(workspace, "mastodon")
    publication = publication_of(owner, workspace, channel, f"Menu {LINK}")
    client.force_login(owner)
    post = publication.variant.post
    fields = {"text": f"Menu {LINK}", "channels": [channel.pk], f"own_{channel.pk}": "0", "content_type": "other"}
    shown = previewed(client.post(f"/compose/check/?workspace={workspace.slug}&post={post.pk}", fields), "check")
    assert [draft.text for _step, draft in shown] == [draft_to_send(publication).text]
    assert f"utm_campaign=winter-menu&utm_content=Kafe%20mastodon-{post.pk}" in shown[0][1].text
