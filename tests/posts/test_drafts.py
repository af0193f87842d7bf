"""One Variant -> Draft mapping (stoa/posts/drafts.py): what the composer and the API check, what the
previews show and what the engine hands to the network are one and the same Draft, on every network."""

import pytest
from django.test import Client

from stoa.channels.models import Channel
from stoa.errors import ActionError
from stoa.posts.actions import VariantInput, add_media, create_post, publish_now
from stoa.posts.drafts import draft_for, draft_of
from stoa.posts.models import Post, Publication, State
from stoa.providers.base import Published
from stoa.providers.registry import NETWORKS, get_provider_class
from stoa.workspaces.models import ApiToken
from tests.core.helpers import drain, image_bytes, reload

GRANT = {"access_token": "not-used-here", "refresh_token": "not-used-here", "client_secret": "not-used-here"}
# A channel row per network Stoa ships (the test network takes no media): checking needs no network call, and
# publish() is replaced by a recorder.
CHANNELS = {
    "bluesky": ({"handle": "kafe.test", "did": "did:plc:kafe", "pds_url": "http://127.0.0.1:9"},
                {"app_password": "not-used-here"}),
    "mastodon": ({"instance_url": "http://127.0.0.1:9", "account_id": "1", "max_characters": 500,
                  "max_media_attachments": 4, "characters_reserved_per_url": 23,
                  "supported_mime_types": ["image/jpeg", "image/png"], "image_size_limit": 16777216,
                  "video_size_limit": 103809024},
                 {"access_token": "not-used-here"}),
    "telegram": ({"chat_id": "@kafeyafo", "username": "kafeyafo"}, {"bot_token": "123456:not-used-here"}),
    "vk": ({"group_id": "229101116", "account_id": "229101116"}, {"access_token": "not-used-here"}),
    "facebook": ({"page_id": "112233445566778", "account_id": "112233445566778", "client_id": "stoa-test"},
                 {"page_access_token": "not-used-here", "access_token": "not-used-here"}),
    "instagram": ({"account_id": "17841405822304914", "username": "kafeyafo", "client_id": "stoa-test"}, GRANT),
    "threads": ({"account_id": "35076616084176123", "username": "kafeyafo", "client_id": "stoa-test"}, GRANT),
}
# Each network's options as a person sets them: the composer's own fields, a thread, and options
# only the API sets (Telegram's link preview options), which the composer must keep.
OPTIONS = {
    "bluesky": {"thread": ["ادامه: شیرینی‌های تازه", "#winter"]},
    "mastodon": {"spoiler_text": "food", "visibility": "unlisted", "sensitive": True, "thread": ["ادامه"]},
    "telegram": {"format": "html", "disable_notification": True, "link_preview_options": {"prefer_small_media": True}},
    "vk": {"poll_question": "کدام شیرینی؟", "poll_answers": "باقلوا; کنافه", "poll_multiple": True},
    "facebook": {},  # its one option, a link's preview, is for posts without media
    "instagram": {"format": "feed"},
    "threads": {"reply_control": "accounts_you_follow", "thread": ["ادامه"]},
}
TEXT = "منوی زمستانی کافه یافا ☕ #winter https://kafe.example/menu"
LANGUAGE = "fa"  # the post's own; its workspace writes in Hebrew


class Recorder:
    """Every Draft a network's provider is asked to check or to publish, with the step that asked."""

    def __init__(self, monkeypatch, network: str):
        self.step, self.checked, self.published = "", [], []
        provider_class = get_provider_class(network)
        validate = provider_class.validate

        def checking(provider, draft):
            self.checked.append((self.step, draft))
            return validate(provider, draft)

        def publishing(provider, draft, attempt):
            self.published.append(draft)
            return Published("remote-1", "https://network.example/1")

        monkeypatch.setattr(provider_class, "validate", checking)
        monkeypatch.setattr(provider_class, "publish", publishing)


def previewed(response, step: str) -> list:
    """The Drafts the page's previews were rendered with."""
    assert response.status_code == 200, response.content.decode()[:500]
    return [(step, context["draft"]) for template, context in zip(response.templates, response.context, strict=True)
            if template.name == "web/_preview.html"]


def composer_fields(channel: Channel, media: list) -> dict:
    """The composer's form as a person leaves it for this post."""
    options = OPTIONS[channel.network]
    data = {"text": TEXT, "channels": [channel.pk], f"own_{channel.pk}": "0", "media": [m.pk for m in media],
            "content_type": "other", f"thread_{channel.pk}": options.get("thread", [])}
    for option in get_provider_class(channel.network).option_fields:
        if option.name in options:
            value = options[option.name]
            data[f"option_{channel.pk}_{option.name}"] = "1" if value is True else value
    return data


def make_channel(workspace, network: str) -> Channel:
    config, credentials = CHANNELS[network]
    channel = Channel(workspace=workspace, network=network, name=f"Kafe on {network}", config=config)
    channel.credentials = credentials
    channel.save()
    return channel


@pytest.fixture
def api(owner) -> Client:
    _, token = ApiToken.issue(owner, "tests")
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.fixture
def winter_media(owner, workspace) -> list:
    """Two pictures with alt text, in the post's order, which is not the library's: JPEGs, which every network takes
    (Instagram no other picture)."""
    menu = add_media(owner, workspace, "menu.jpg", image_bytes(kind="JPEG"), alt_text="The winter menu")
    dawn = add_media(owner, workspace, "dawn.jpg", image_bytes(kind="JPEG", colour="navy"), alt_text="The cafe at dawn")
    return [dawn, menu]


@pytest.mark.parametrize("network", sorted(NETWORKS))
def test_what_is_checked_and_previewed_is_what_is_published(network, monkeypatch, owner, workspace, client, api,
                                                            winter_media, settings):
    settings.STOA_PUBLIC_BASE_URL = "https://stoa.example"  # where the networks that fetch media find it
    channel = make_channel(workspace, network)
    seen = Recorder(monkeypatch, network)
    options = {**OPTIONS[network], "language": LANGUAGE}
    payload = {"text": TEXT, "media_ids": [m.pk for m in winter_media],
               "variants": [{"channel_id": channel.pk, "options": options}]}
    posts_url = f"/api/v1/workspaces/{workspace.pk}/posts"
    client.force_login(owner)
    shown = []

    seen.step = "API check"
    assert api.post(f"{posts_url}/check", payload, content_type="application/json").json()["ok"] is True
    seen.step = "API create"
    assert api.post(posts_url, payload, content_type="application/json").status_code == 201
    post = Post.objects.get()
    publication = Publication.objects.get(variant__post=post)
    seen.step = "composer page"
    shown += previewed(client.get(f"/posts/{post.pk}/edit/"), seen.step)
    seen.step = "composer live check"
    shown += previewed(client.post(f"/compose/check/?workspace={workspace.slug}&post={post.pk}",
                                   composer_fields(channel, winter_media)), seen.step)
    seen.step = "composer save"
    saved = client.post(f"/posts/{post.pk}/edit/", {**composer_fields(channel, winter_media), "action": "draft"})
    assert saved.status_code == 302, saved.content.decode()[:500]
    seen.step = "API edit"
    assert api.patch(f"/api/v1/publications/{publication.pk}", {"text": TEXT},
                     content_type="application/json").status_code == 200
    seen.step = "post page"
    shown += previewed(client.get(f"/posts/{post.pk}/"), seen.step)
    seen.step = "publish now"
    assert api.post(f"/api/v1/publications/{publication.pk}/publish-now").status_code == 200
    seen.step = "engine"
    drain()

    assert reload(publication).state == State.PUBLISHED
    [sent] = seen.published
    assert (sent.text, sent.language, sent.options) == (TEXT, LANGUAGE, OPTIONS[network])
    assert [(m.filename, m.alt_text, m.media_id) for m in sent.media] == [
        (m.filename, m.alt_text, m.pk) for m in winter_media]
    assert {step for step, _draft in seen.checked} == {
        "API check", "API create", "composer page", "composer live check", "composer save", "API edit",
        "publish now", "engine"}
    assert {step for step, _draft in shown} == {"composer page", "composer live check", "post page"}
    assert [step for step, draft in seen.checked + shown if draft != sent] == []


def test_the_agreement_covers_every_network_stoa_ships():
    assert set(CHANNELS) == set(OPTIONS) == set(NETWORKS)


def test_a_posts_language_is_its_own_else_its_texts(workspace):
    own = draft_of(workspace, text="سلام", media=[], options={"language": " fa ", "thread": ["دوم"]})
    assert own.language == "fa" and own.options == {"thread": ["دوم"]}  # a Draft field, not an option
    assert draft_of(workspace, text="שלום", media=[], options={}).language == "he"
    assert draft_of(workspace, text="Good morning", media=[], options={"language": ""}).language == "en"


@pytest.mark.parametrize(("text", "workspace_language", "language"), [
    ("בוקר טוב מיפו ☕ https://kafe.example/winter-menu-for-everyone @kafeyafo.bsky.social", "en", "he"),
    ("Καλημέρα από την Αθήνα #coffee", "he", "el"),
    ("Доброе утро", "en", "ru"),
    ("Добрий ранок", "uk", "uk"),  # Cyrillic in a Ukrainian workspace is Ukrainian
    ("منوی زمستانی کافه", "en", "fa"),
    ("قائمة الشتاء في المقهى", "en", "ar"),
    ("سلام دوستان", "fa", "fa"),  # no letter tells Persian from Arabic: the workspace's
    ("Winter menu at Kafe Yafo", "he", "en"),
    ("Wintermenü im Kafe Yafo", "de", "de"),
    ("☕ 20 ₪", "he", "he"),
])
def test_a_posts_language_comes_from_its_letters(workspace, text, workspace_language, language):
    workspace.language = workspace_language
    assert draft_of(workspace, text=text, media=[], options={}).language == language


def test_a_hebrew_post_of_an_english_workspace_goes_to_bluesky_as_hebrew(owner, workspace, monkeypatch):
    workspace.language = "en"
    workspace.save()
    channel = make_channel(workspace, "bluesky")
    seen = Recorder(monkeypatch, "bluesky")
    post = create_post(owner, workspace, text="מבצע חורף בקפה יפו", variants=[VariantInput(channel.pk)])
    publication = Publication.objects.get(variant__post=post)
    publish_now(owner, publication)
    drain()
    assert [d.language for d in seen.published] == ["he"]


def test_a_draft_leaves_the_variants_options_as_they_are(owner, workspace, channel):
    post = create_post(owner, workspace, text="שלום", variants=[VariantInput(channel.pk, options={"language": "ar"})])
    variant = post.variants.get()
    draft = draft_for(variant)
    draft.options["spoiler_text"] = "changed by a provider"
    assert variant.options == {"language": "ar"} and draft.language == "ar"


def test_media_keep_their_order_and_alt_text_in_the_draft(owner, workspace, channel, winter_media):
    post = create_post(owner, workspace, text="שלום", media_ids=[m.pk for m in winter_media],
                       variants=[VariantInput(channel.pk)])
    draft = draft_for(post.variants.get())
    assert [(m.filename, m.alt_text) for m in draft.media] == [("dawn.jpg", "The cafe at dawn"),
                                                               ("menu.jpg", "The winter menu")]
    assert draft.media[1].read().startswith(b"\xff\xd8\xff")  # the bytes are read when the network needs them


@pytest.mark.parametrize("language", ["Persian please", "5", "fa/ir"])
def test_a_language_that_is_not_a_language_code_is_refused(owner, workspace, channel, language):
    with pytest.raises(ActionError) as refused:
        create_post(owner, workspace, text="שלום", variants=[VariantInput(channel.pk, options={"language": language})])
    assert "Give a language code" in refused.value.summary()


def test_the_composer_keeps_the_options_it_does_not_show(owner, workspace, client, channel):
    """A language set through the API survives an edit from a form without the composer's language field."""
    post = create_post(owner, workspace, text="שלום", variants=[VariantInput(
        channel.pk, options={"language": "ar", "spoiler_text": "old"})])
    client.force_login(owner)
    fields = {"text": "مرحبا", "channels": [channel.pk], f"own_{channel.pk}": "0", "content_type": "other",
              f"option_{channel.pk}_spoiler_text": "new", "action": "draft"}
    assert client.post(f"/posts/{post.pk}/edit/", fields).status_code == 302
    assert post.variants.get().options == {"language": "ar", "spoiler_text": "new"}
