"""The media library: uploads checked by their bytes, thumbnails, alt text, reuse, and nothing lost to a bad file."""

import struct

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from stoa.errors import ActionError
from stoa.posts.actions import VariantInput, add_media, create_post, delete_media
from stoa.posts.media_files import inspect_mp4
from stoa.posts.models import Media
from stoa.workspaces.models import AuditEvent
from tests.core.helpers import image_bytes


@pytest.fixture
def logged_in(client, owner):
    client.force_login(owner)
    return client


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def tiny_mp4(width: int = 1080, height: int = 1920, seconds: int = 15) -> bytes:
    """The boxes Stoa reads: ftyp, then moov with mvhd (timescale, duration) and a track header (size)."""
    mvhd = bytes(4) + bytes(8) + struct.pack(">II", 1000, seconds * 1000) + bytes(80)
    tkhd = bytes(4) + bytes(72) + struct.pack(">II", width << 16, height << 16)
    return box(b"ftyp", b"isom\0\0\x02\0isomiso2mp41") + box(b"moov", box(b"mvhd", mvhd) +
                                                             box(b"trak", box(b"tkhd", tkhd)))


def test_an_uploaded_photo_gets_its_size_and_a_small_thumbnail(owner, workspace):
    media = add_media(owner, workspace, "shakshuka.jpg", image_bytes(1600, 1200, "JPEG"))
    assert (media.content_type, media.width, media.height) == ("image/jpeg", 1600, 1200)
    from PIL import Image

    with Image.open(media.thumbnail.open("rb")) as thumb:
        assert max(thumb.size) == 320


def test_a_video_is_measured_from_its_own_boxes(owner, workspace):
    media = add_media(owner, workspace, "reel.mp4", tiny_mp4())
    assert (media.content_type, media.width, media.height, media.duration_seconds) == ("video/mp4", 1080, 1920, 15)
    assert not media.thumbnail


def test_a_truncated_video_or_picture_is_refused_with_its_name(owner, workspace):
    with pytest.raises(ActionError, match="reel.mp4 is not a complete MP4"):
        inspect_mp4("reel.mp4", tiny_mp4()[:40])
    with pytest.raises(ActionError, match="broken.png could not be read"):
        add_media(owner, workspace, "broken.png", image_bytes(200, 200)[:120])
    assert Media.objects.count() == 0


def test_library_page_uploads_good_files_and_names_each_refused_one(logged_in, workspace, settings):
    settings.STOA_MAX_UPLOAD_BYTES = 50_000
    files = [upload("menu.png", image_bytes()), upload("virus.exe", b"MZ\x90\0 not media"),
             upload("huge.png", image_bytes() + b"\0" * 60_000)]
    response = logged_in.post("/library/", {"workspace": workspace.slug, "files": files})
    page = response.content.decode()
    assert response.status_code == 422
    assert "virus.exe is not a JPEG, PNG, GIF, WebP image or MP4 video." in page
    assert "huge.png is 58.7\xa0KB; Stoa accepts at most 48.8\xa0KB." in page
    assert list(Media.objects.values_list("filename", flat=True)) == ["menu.png"]


def test_composer_upload_answers_ticked_choices(logged_in, workspace):
    response = logged_in.post(f"/library/upload/?workspace={workspace.slug}",
                              {"files": [upload("a.png", image_bytes()), upload("b.gif", image_bytes(kind="GIF"))]})
    page = response.content.decode()
    assert response.status_code == 200 and page.count('name="media"') == 2 and page.count("checked") == 2
    assert set(Media.objects.values_list("content_type", flat=True)) == {"image/png", "image/gif"}


def test_alt_text_is_saved_and_audited(logged_in, owner, workspace):
    media = add_media(owner, workspace, "menu.png", image_bytes())
    response = logged_in.post(f"/library/{media.pk}/alt/", {"alt_text": "  תפריט החורף  "})
    assert response.status_code == 200 and "Saved." in response.content.decode()
    media.refresh_from_db()
    assert media.alt_text == "תפריט החורף"
    assert AuditEvent.objects.filter(action="media.alt_text").exists()


def test_media_a_post_uses_is_not_deleted(logged_in, owner, workspace, channel):
    used = add_media(owner, workspace, "used.png", image_bytes())
    spare = add_media(owner, workspace, "spare.png", image_bytes())
    create_post(owner, workspace, text="with a photo", media_ids=[used.pk], variants=[VariantInput(channel.pk)])
    logged_in.post(f"/library/{used.pk}/delete/")
    logged_in.post(f"/library/{spare.pk}/delete/")
    assert list(Media.objects.values_list("filename", flat=True)) == ["used.png"]
    page = logged_in.get(f"/library/?workspace={workspace.slug}").content.decode()
    assert "used.png is used by 1 post" in page and "Used in 1 post" in page


def test_a_deleted_photo_leaves_neither_its_file_nor_its_thumbnail(owner, workspace,
                                                                    django_capture_on_commit_callbacks):
    media = add_media(owner, workspace, "spare.jpg", image_bytes(1600, 1200, "JPEG"))
    storage, names = media.file.storage, [media.file.name, media.thumbnail.name]
    assert all(storage.exists(name) for name in names)
    with django_capture_on_commit_callbacks(execute=True):
        delete_media(owner, media)
    assert not any(storage.exists(name) for name in names)


def test_files_are_served_only_to_members(client, owner, stranger, workspace):
    media = add_media(owner, workspace, "menu.png", image_bytes())
    client.force_login(stranger)
    assert client.get(f"/library/{media.pk}/thumbnail").status_code == 404
    assert client.post(f"/library/{media.pk}/delete/").status_code == 404
    client.force_login(owner)
    response = client.get(f"/library/{media.pk}/original")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_library_filters_by_kind(logged_in, owner, workspace):
    add_media(owner, workspace, "photo.png", image_bytes())
    add_media(owner, workspace, "reel.mp4", tiny_mp4())
    page = logged_in.get(f"/library/?workspace={workspace.slug}&kind=video").content.decode()
    assert "reel.mp4" in page and "photo.png" not in page and "1080×1920" in page
