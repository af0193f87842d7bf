"""The CSV import html and the CSV export download."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from stoa.posts.actions import VariantInput, create_post
from stoa.posts.models import Post
from stoa.workspaces.models import AuditEvent


def upload(*rows: str, name: str = "posts.csv", encoding: str = "utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, "\r\n".join(rows).encode(encoding), content_type="text/csv")


def future() -> str:
    return f"{(timezone.now() + timedelta(days=3)).date()} 10:00"


@pytest.fixture
def logged_in(client, owner):
    client.force_login(owner)
    return client


def url(workspace) -> str:
    return f"/posts/import/?workspace={workspace.slug}"


def test_import_page_explains_the_columns_and_lists_the_channels(logged_in, workspace, channel):
    html = logged_in.get(url(workspace)).content.decode()
    assert "scheduled_local" in html and "Asia/Jerusalem" in html and "Mastodon 1" in html
    assert 'hx-post="/posts/import/?workspace=kafe-yafo"' in html and "/posts/export.csv" in html


def test_import_page_needs_a_login(client, workspace):
    response = client.get(url(workspace))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_preview_saves_nothing_then_import_creates_the_good_rows(logged_in, workspace, channel):
    rows = ("text,channels,scheduled_local", f'"שלום, יפו\nשורה שנייה",Mastodon 1,{future()}',
            f"bad,Nowhere TV,{future()}")
    preview = logged_in.post(url(workspace), {"file": upload(*rows), "action": "preview"})
    html = preview.content.decode()
    assert preview.status_code == 200 and "Preview: nothing was saved yet" in html
    assert "1 row ready to import" in html and '<td class="line">4</td>' in html and "Nowhere TV" in html
    assert not Post.objects.exists()

    done = logged_in.post(url(workspace), {"file": upload(*rows), "action": "import"}, HTTP_HX_REQUEST="true")
    html = done.content.decode()
    assert done.status_code == 200 and "Import finished" in html and "1 post created" in html
    assert Post.objects.get().variants.get().text == "שלום, יפו\nשורה שנייה"
    assert AuditEvent.objects.filter(action="posts.imported", actor__username="olga").exists()


def test_unreadable_file_is_a_clear_error_and_imports_nothing(logged_in, workspace, channel):
    response = logged_in.post(url(workspace), {"file": upload("text,channels", "שלום,Mastodon 1", encoding="cp1255"),
                                               "action": "import"})
    assert response.status_code == 422 and "not UTF-8" in response.content.decode()
    assert not Post.objects.exists()
    assert "Choose a CSV file first" in logged_in.post(url(workspace), {"action": "import"}).content.decode()


def test_oversize_upload_is_refused(logged_in, workspace, channel, settings):
    settings.STOA_MAX_UPLOAD_BYTES = 20
    response = logged_in.post(url(workspace), {"file": upload("text,channels", "a long enough row,Mastodon 1"),
                                               "action": "import"})
    assert response.status_code == 422 and "at most" in response.content.decode()


def test_strangers_get_404_for_import_and_export(client, stranger, workspace, channel):
    client.force_login(stranger)
    assert client.get(url(workspace)).status_code == 404
    assert client.post(url(workspace), {"file": upload("text,channels", "x,Mastodon 1")}).status_code == 404
    assert client.get(f"/posts/export.csv?workspace={workspace.slug}").status_code == 404
    assert not Post.objects.exists()


def test_analyst_cannot_import_but_can_export(client, workspace, channel, member):
    client.force_login(member("analyst"))
    assert client.get(url(workspace)).status_code == 403
    response = client.post(url(workspace), {"file": upload("text,channels", "x,Mastodon 1"), "action": "import"})
    assert response.status_code == 403 and not Post.objects.exists()
    assert client.get(f"/posts/export.csv?workspace={workspace.slug}").status_code == 200


def test_export_downloads_the_chosen_days_as_utf8_csv(logged_in, owner, workspace, channel):
    for day, text in ((1, "=1+1 בוקר"), (5, "later")):
        create_post(owner, workspace, text=text, variants=[VariantInput(channel.pk)],
                    scheduled_at=timezone.datetime(2030, 12, day, 9, 0))
    response = logged_in.get(f"/posts/export.csv?workspace={workspace.slug}&start=2030-12-01&end=2030-12-02"
                             "&state=scheduled")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="stoa-kafe-yafo-posts.csv"' in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    [row] = csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline=""))
    assert row["text"] == "'=1+1 בוקר" and row["scheduled_local"] == "2030-12-01 09:00"
    assert AuditEvent.objects.filter(action="posts.exported").exists()
    assert logged_in.get(f"/posts/export.csv?workspace={workspace.slug}&start=soon").status_code == 400


def test_with_several_workspaces_the_page_asks_which(logged_in, owner, workspace):
    from stoa.workspaces.actions import create_workspace

    create_workspace(owner, "Second Brand")
    html = logged_in.get("/posts/import/").content.decode()
    assert "?workspace=kafe-yafo" in html and "?workspace=second-brand" in html and 'type="file"' not in html


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_manager_previews_then_imports_the_same_file_without_choosing_it_again(page, live_server, owner, workspace,
                                                                               channel, tmp_path):
    file = tmp_path / "plan.csv"
    file.write_bytes("\r\n".join(("text,channels,scheduled_local", f"בוקר טוב ☕,Mastodon 1,{future()}",
                                  "bad row,Nowhere TV,")).encode("utf-8-sig"))
    page.goto(f"{live_server.url}/login/?next=/posts/import/%3Fworkspace%3D{workspace.slug}")
    page.fill("input[name=username]", "olga")
    page.fill("input[name=password]", "pw-olga-123")
    page.click("button[type=submit]")
    page.set_input_files("input[type=file]", str(file))

    page.get_by_role("button", name="Preview").click()
    page.locator("#report h2", has_text="Preview").wait_for(timeout=5000)
    assert "Nowhere TV" in page.locator("#report").inner_text() and not Post.objects.exists()

    page.get_by_role("button", name="Import", exact=True).click()
    page.locator("#report h2", has_text="Import finished").wait_for(timeout=5000)
    assert Post.objects.get().variants.get().text == "בוקר טוב ☕"
    page.screenshot(path=str(tmp_path / "import.png"), full_page=True)


def test_a_csv_file_over_the_limit_is_refused_in_the_same_words_by_the_page_and_the_api(logged_in, owner, workspace,
                                                                                        channel, settings):
    """Both check its size with posts.actions.check_upload_size before reading it."""
    import html

    from django.test import Client

    from stoa.workspaces.models import ApiToken

    settings.STOA_MAX_UPLOAD_BYTES = 20
    rows = ("text,channels", "a long enough row,Mastodon 1")
    page = logged_in.post(url(workspace), {"file": upload(*rows), "action": "import"})
    _, token = ApiToken.issue(owner, "tests")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}").post(f"/api/v1/workspaces/{workspace.pk}/posts/import",
                                                           {"file": upload(*rows)})
    assert page.status_code == api.status_code == 422
    [refusal] = api.json()["detail"]
    assert refusal["message"].startswith("posts.csv is ") and refusal["message"] in html.unescape(
        page.content.decode())
