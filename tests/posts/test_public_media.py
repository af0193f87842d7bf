"""Media at a signed, expiring public address, for the networks that fetch a file from a URL (Instagram, Threads,
Facebook): the exact bytes to anyone holding a valid link, and the ordinary 404 page to every other link."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.test import override_settings
from django.utils import translation

from stoa import clock
from stoa.posts.actions import add_media
from stoa.posts.drafts import media_file
from stoa.posts.public_media import NoPublicURL, public_url
from stoa.providers.base import Draft, ErrorKind, ProviderError, media_url, public_media_problems
from stoa.settings import public_base_url
from tests.core.helpers import image_bytes
from tests.web.test_media import tiny_mp4

BASE = "https://stoa.example.com"


@pytest.fixture(autouse=True)
def public_base(settings):
    settings.STOA_PUBLIC_BASE_URL = BASE


@pytest.fixture
def photo_bytes():
    return image_bytes(40, 30, "PNG", "teal")


@pytest.fixture
def photo(owner, workspace, photo_bytes):
    return add_media(owner, workspace, "Shakshuka at dawn.png", photo_bytes)


def path_of(url: str) -> str:
    assert url.startswith(BASE + "/m/")
    return urlsplit(url).path


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def page(response) -> bytes:
    """The page without its CSRF token, which is masked anew on every page."""
    return re.sub(rb'"X-CSRFToken": "[^"]+"', b"", response.content)


def unknown_page(client) -> bytes:
    response = client.get("/no-such-address/")
    assert response.status_code == 404
    return page(response)


def test_a_signed_link_serves_the_uploaded_bytes_with_their_type_to_anyone(client, photo, photo_bytes):
    response = client.get(path_of(public_url(photo)))
    assert response.status_code == 200
    assert body(response) == photo_bytes
    assert response["Content-Type"] == "image/png"
    assert response["Content-Length"] == str(len(photo_bytes))
    assert response["X-Robots-Tag"] == "noindex"
    assert not response.cookies


def test_the_link_is_cached_privately_until_it_expires(client, photo):
    with time_machine.travel(clock.now(), tick=False):
        response = client.get(path_of(public_url(photo, lifetime=timedelta(hours=2))))
    assert response["Cache-Control"] == "private, max-age=7200"


def test_a_link_lasts_a_day_by_default_and_then_is_the_ordinary_404(client, photo):
    start = clock.now()
    with time_machine.travel(start, tick=False):
        path = path_of(public_url(photo))
    with time_machine.travel(start + timedelta(hours=23, minutes=59), tick=False):
        assert client.get(path).status_code == 200
    with time_machine.travel(start + timedelta(hours=24, seconds=1), tick=False):
        response = client.get(path)
        assert response.status_code == 404
        assert page(response) == unknown_page(client)


def test_a_changed_id_expiry_or_signature_is_the_ordinary_404(client, owner, workspace, photo):
    other = add_media(owner, workspace, "other.png", image_bytes())
    _, m, media_id, expires, signature, name = path_of(public_url(photo)).split("/")
    flipped = ("B" if signature[0] == "A" else "A") + signature[1:]
    for changed in [f"/m/{other.pk}/{expires}/{signature}/{name}",
                    f"/m/{media_id}/{int(expires) + 1}/{signature}/{name}",
                    f"/m/{media_id}/{expires}/{flipped}/{name}",
                    f"/m/{media_id}/{expires}/{signature}/",
                    f"/m/{media_id}/{expires}/{signature[:-1]}/{name}"]:
        response = client.get(changed)
        assert response.status_code == 404, changed
        assert page(response) == unknown_page(client)
    assert client.get(f"/m/{media_id}/{expires}/{signature}/any-name.jpg").status_code == 200  # the name is not read


def test_a_link_signed_under_another_secret_key_is_404_unless_that_key_is_being_rotated_out(client, photo):
    with override_settings(SECRET_KEY="the key of another deployment"):
        path = path_of(public_url(photo))
    assert client.get(path).status_code == 404
    with override_settings(SECRET_KEY_FALLBACKS=["the key of another deployment"]):
        assert client.get(path).status_code == 200


def test_a_link_to_a_deleted_medium_or_a_lost_file_is_404(client, owner, workspace, photo):
    gone = add_media(owner, workspace, "gone.png", image_bytes())
    gone_path = path_of(public_url(gone))
    gone.delete()
    assert client.get(gone_path).status_code == 404
    lost_path = path_of(public_url(photo))
    photo.file.storage.delete(photo.file.name)
    assert client.get(lost_path).status_code == 404


def test_head_gives_the_type_and_length_without_the_bytes(client, photo, photo_bytes):
    response = client.head(path_of(public_url(photo)))
    assert response.status_code == 200
    assert response["Content-Length"] == str(len(photo_bytes))
    assert response["Content-Type"] == "image/png"


def test_a_post_to_a_valid_link_is_not_served(client, photo):
    assert client.post(path_of(public_url(photo))).status_code == 404


def test_the_link_names_neither_the_storage_path_nor_the_workspace(photo, workspace):
    url = public_url(photo)
    assert photo.file.name not in url
    assert f"workspaces/{workspace.pk}" not in url
    assert url.endswith("/Shakshuka-at-dawn.png")


def test_without_a_public_base_url_the_error_says_what_to_set_in_the_persons_language(settings, photo):
    settings.STOA_PUBLIC_BASE_URL = ""
    with pytest.raises(NoPublicURL, match="STOA_PUBLIC_BASE_URL"):
        public_url(photo)
    with translation.override("he"), pytest.raises(NoPublicURL) as raised:
        public_url(photo)
    assert "STOA_PUBLIC_BASE_URL" in str(raised.value) and "Instagram" in str(raised.value)
    assert "Ask whoever" not in str(raised.value)


def test_a_video_player_gets_the_part_it_asks_for(client, owner, workspace):
    data = tiny_mp4()
    path = path_of(public_url(add_media(owner, workspace, "reel.mp4", data)))
    part = client.get(path, HTTP_RANGE="bytes=4-11")
    assert (part.status_code, body(part), part["Content-Range"]) == (206, data[4:12], f"bytes 4-11/{len(data)}")
    assert part["Content-Length"] == "8" and part["Content-Type"] == "video/mp4"
    tail = client.get(path, HTTP_RANGE="bytes=-5")
    assert (tail.status_code, body(tail)) == (206, data[-5:])
    rest = client.get(path, HTTP_RANGE="bytes=10-")
    assert (rest.status_code, body(rest)) == (206, data[10:])
    beyond = client.get(path, HTTP_RANGE=f"bytes={len(data)}-")
    assert (beyond.status_code, beyond["Content-Range"]) == (416, f"bytes */{len(data)}")
    several = client.get(path, HTTP_RANGE="bytes=0-1,4-5")
    assert (several.status_code, body(several)) == (200, data)


@pytest.mark.parametrize("value, expected", [
    ("https://stoa.example.com/", "https://stoa.example.com"),
    ("https://example.com/stoa", "https://example.com/stoa"),
    ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
    ("http://localhost:8000/", "http://localhost:8000"),
    ("", ""),
])
def test_a_public_base_url_is_https_or_this_machine(value, expected):
    assert public_base_url(value) == expected


@pytest.mark.parametrize("value", ["http://stoa.example.com", "stoa.example.com", "https://", "ftp://stoa.example.com",
                                   "https://user:pw@stoa.example.com", "https://stoa.example.com/?a=1"])
def test_a_public_base_url_the_networks_could_not_use_is_refused_at_start(value):
    with pytest.raises(ValueError, match="STOA_PUBLIC_BASE_URL"):
        public_base_url(value)


def test_a_providers_draft_carries_each_mediums_public_link_and_says_when_there_is_none(client, settings, photo,
                                                                                        photo_bytes):
    medium = media_file(photo)
    assert client.get(path_of(medium.public_url())).status_code == 200
    settings.STOA_PUBLIC_BASE_URL = ""
    with pytest.raises(ProviderError, match="STOA_PUBLIC_BASE_URL") as raised:
        media_url("Instagram", medium)
    assert raised.value.kind == ErrorKind.PERMANENT
    [problem] = public_media_problems("Threads", Draft("Hello", media=(medium,)))
    assert problem.field == "media" and "Threads" in problem.message and "STOA_PUBLIC_BASE_URL" in problem.message
    assert public_media_problems("Threads", Draft("Only words")) == []
