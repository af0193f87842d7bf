"""What a VK post carries beside its text, against the fake VK API of test_vk (its upload servers included): photos
uploaded for the community's wall, videos saved in the community, one link, one poll; what VK would refuse said
before anything is sent; and a lost answer reconciled by the post's text and the kinds of what it carries."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from stoa.providers.base import Attempt, Draft, ErrorKind, MediaFile, ProviderError
from tests.providers.test_telegram import png
from tests.providers.test_vk import ATTEMPT, GROUP, OWNER, STARTED, FakeVK, connected


def picture(name: str = "poster.png", alt: str = "Афиша · כרזה") -> MediaFile:
    data = png(2, 2)
    return MediaFile(name, "image/png", len(data), alt, lambda: data)


def clip(size: int = 2048) -> MediaFile:
    return MediaFile("clip.mp4", "video/mp4", size, "Ролик", lambda: b"\0" * 16)


POLL = {"poll_question": "Какой вкус? · איזה טעם?", "poll_answers": "Кофе; Чай ;; Какао", "poll_multiple": True}


@pytest.fixture
def fake() -> FakeVK:
    return FakeVK()


def test_a_picture_is_uploaded_for_the_communitys_wall_and_posted_with_its_description_as_caption(fake):
    connected(fake).publish(Draft(text="С афишей", media=(picture(),)), ATTEMPT)
    [(name, _type, content)] = fake.uploads
    assert name == "photo" and b'filename="poster.png"' in content and png(2, 2) in content
    [saved] = fake.posts("photos.saveWallPhoto")
    assert (saved["group_id"], saved["caption"]) == (str(GROUP), "Афиша · כרזה")
    [post] = fake.posts()
    assert post["attachments"] == f"photo{OWNER}_457239017" and post["message"] == "С афишей"


def test_ten_pictures_and_videos_go_in_one_post_in_their_order(fake):
    media = (picture("a.png"), clip(), *(picture(f"{n}.png") for n in range(8)))
    connected(fake).publish(Draft(text="", media=media), ATTEMPT)
    [post] = fake.posts()
    names = post["attachments"].split(",")
    assert len(names) == 10 and names[0].startswith("photo") and names[1].startswith(f"video{OWNER}_")
    [saved] = fake.posts("video.save")
    assert (saved["group_id"], saved["wallpost"], saved["name"]) == (str(GROUP), "0", "clip.mp4")
    assert [name for name, _type, _content in fake.uploads].count("video_file") == 1


def test_eleven_attachments_a_bmp_or_a_file_over_50_mb_are_refused_before_anything_is_sent(fake):
    provider = connected(fake)
    bmp = MediaFile("a.bmp", "image/bmp", 10, "", lambda: b"")
    for media in ((picture(),) * 11, (bmp,), (clip(50 * 1024 * 1024 + 1),)):
        draft = Draft(text="x", media=media)
        assert {problem.field for problem in provider.validate(draft)} == {"media"}
        with pytest.raises(ProviderError) as refused:
            provider.publish(draft, ATTEMPT)
        assert refused.value.kind == ErrorKind.PERMANENT
    assert fake.calls == [] and fake.uploads == []


def test_a_picture_description_longer_than_a_caption_is_refused(fake):
    draft = Draft(text="x", media=(picture(alt="a" * 2049),))
    assert [problem.field for problem in connected(fake).validate(draft)] == ["media"]


def test_a_picture_vk_does_not_take_is_said_and_nothing_is_posted(fake):
    fake.refuse_uploads = True
    with pytest.raises(ProviderError) as refused:
        connected(fake).publish(Draft(text="x", media=(picture(),)), ATTEMPT)
    assert refused.value.kind == ErrorKind.PERMANENT and "14,000 pixels" in refused.value.message
    assert fake.posts() == []


def test_a_link_is_attached_as_wall_post_takes_it(fake):
    connected(fake).publish(Draft(text="Читайте", options={"link": "https://stoa.example/news?a=1"}), ATTEMPT)
    assert fake.posts()[0]["attachments"] == "https://stoa.example/news?a=1"


@pytest.mark.parametrize("link", ["stoa.example", "ftp://stoa.example", "https://a.example,https://b.example"])
def test_a_link_that_is_no_whole_address_or_more_than_one_is_refused(fake, link):
    assert [p.field for p in connected(fake).validate(Draft(text="x", options={"link": link}))] == ["options.link"]


def test_a_poll_is_created_for_the_community_and_attached(fake):
    connected(fake).publish(Draft(text="Голосуйте!", options=POLL), ATTEMPT)
    [made] = fake.posts("polls.create")
    assert (made["owner_id"], made["question"], made["is_anonymous"], made["is_multiple"]) == (
        str(OWNER), "Какой вкус? · איזה טעם?", "0", "1")
    assert json.loads(made["add_answers"]) == ["Кофе", "Чай", "Какао"]
    assert fake.posts()[0]["attachments"] == f"poll{OWNER}_865432"


@pytest.mark.parametrize(("options", "field"), [
    ({"poll_answers": "Да; Нет"}, "options.poll_question"),
    ({"poll_question": "Как?"}, "options.poll_answers"),
    ({"poll_question": "Как?", "poll_answers": ";".join(str(n) for n in range(11))}, "options.poll_answers"),
    ({"poll_question": "Как?" * 100, "poll_answers": "Да"}, "options.poll_answers"),
])
def test_a_poll_without_a_question_or_with_no_or_too_many_answers_is_refused(fake, options, field):
    assert field in [p.field for p in connected(fake).validate(Draft(text="x", options=options))]


def test_a_poll_and_ten_media_are_too_many(fake):
    draft = Draft(text="x", media=(picture(),) * 10, options=POLL)
    assert "media" in [p.field for p in connected(fake).validate(draft)]


def test_reconcile_finds_the_post_with_its_attachments_and_not_the_same_text_without_them(fake):
    draft = Draft(text="С афишей и опросом", media=(picture(),), options=POLL)
    bare = fake.add(draft.text)  # the same words, posted without the picture and the poll
    provider = connected(fake)
    assert provider.reconcile(draft, ATTEMPT) is None
    published = provider.publish(draft, Attempt("other-key", STARTED + timedelta(seconds=5)))
    found = provider.reconcile(draft, ATTEMPT)
    assert found == published and found.remote_id != f"{OWNER}_{bare['id']}"
