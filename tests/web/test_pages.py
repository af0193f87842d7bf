"""Server-rendered pages: log in, pick a workspace, see upcoming publications, act on one."""

import pytest
from django.test import Client

from stoa.posts.models import Publication, State
from tests.core.helpers import schedule


@pytest.fixture
def logged_in(client, owner):
    client.force_login(owner)
    return client


def test_pages_need_a_login(client, db):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_login_page_logs_in(client, owner):
    assert client.get("/login/").status_code == 200
    response = client.post("/login/", {"username": "olga", "password": "pw-olga-123"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_upcoming_publications_show_local_time_and_state(logged_in, owner, workspace, channel):
    schedule(owner, workspace, [channel], text="בוקר טוב מיפו")
    page = logged_in.get("/").content.decode()
    assert "בוקר טוב מיפו" in page and "Scheduled" in page and "Asia/Jerusalem" in page
    assert 'dir="auto"' in page


def test_workspace_filter_shows_only_that_workspace(logged_in, owner, workspace, channel, fake_network):
    from stoa.workspaces.actions import create_workspace
    from tests.conftest import mastodon_channel

    second = create_workspace(owner, "Second Brand")
    schedule(owner, workspace, [channel], text="first brand post")
    schedule(owner, second, [mastodon_channel(second, fake_network, 2)], text="second brand post")
    page = logged_in.get("/?workspace=second-brand").content.decode()
    assert "second brand post" in page and "first brand post" not in page


def test_another_users_workspace_is_never_shown(client, stranger, owner, workspace, channel):
    schedule(owner, workspace, [channel], text="secret plan")
    client.force_login(stranger)
    assert "secret plan" not in client.get(f"/?workspace={workspace.slug}").content.decode()
    publication = Publication.objects.get()
    assert client.post(f"/publications/{publication.pk}/cancel").status_code == 404


def test_cancel_button_answers_the_updated_row(logged_in, owner, workspace, channel):
    [publication] = schedule(owner, workspace, [channel])
    response = logged_in.post(f"/publications/{publication.pk}/cancel", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert f'id="publication-{publication.pk}"' in response.content.decode()
    assert Publication.objects.get().state == State.CANCELLED


def test_refused_action_is_explained_in_the_row(logged_in, owner, workspace, channel):
    [publication] = schedule(owner, workspace, [channel])
    Publication.objects.filter(pk=publication.pk).update(state=State.PUBLISHED)
    response = logged_in.post(f"/publications/{publication.pk}/cancel")
    assert response.status_code == 422
    assert "cannot be changed" in response.content.decode()


def test_forms_need_a_csrf_token(owner, workspace, channel):
    [publication] = schedule(owner, workspace, [channel])
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    assert client.post(f"/publications/{publication.pk}/cancel").status_code == 403


def test_a_refused_row_says_why_and_the_list_refreshing_itself_keeps_it(logged_in, owner, workspace, channel):
    [publication] = schedule(owner, workspace, [channel])
    Publication.objects.filter(pk=publication.pk).update(state=State.PUBLISHED)
    answer = logged_in.post(f"/publications/{publication.pk}/cancel", HTTP_HX_REQUEST="true").content.decode()
    refusal = f'<p id="refusal-{publication.pk}" class="error" role="alert">'
    assert refusal in answer and "cannot be changed" in answer  # swapped in: base.html's htmx-config
    listed = logged_in.get("/", HTTP_HX_REQUEST="true").content.decode()
    assert f'<p id="refusal-{publication.pk}" class="error" role="alert" hx-preserve hidden>' in listed
    assert '{"code": "422", "swap": true}' in logged_in.get("/").content.decode()


def test_only_who_may_publish_gets_the_rows_buttons(client, owner, workspace, channel, member):
    [publication] = schedule(owner, workspace, [channel])
    client.force_login(member("analyst"))
    page = client.get("/").content.decode()
    assert f'id="publication-{publication.pk}"' in page and "/cancel" not in page
    client.force_login(member("content_editor"))
    assert f"/publications/{publication.pk}/cancel" in client.get("/").content.decode()


@pytest.mark.parametrize("url", ["javascript:alert(document.cookie)", "not an address",
                                 "https://m.example/" + "x" * 500], ids=["javascript", "words", "too long"])
def test_a_publication_resolved_with_something_other_than_a_web_address_is_refused_by_row_and_api_alike(
        logged_in, owner, workspace, channel, url):
    """The row's "It was published" and the API's resolve read the address through the same form
    (stoa/posts/forms.py): it becomes the publication's link, so only http(s) is taken."""
    import html

    from stoa.workspaces.models import ApiToken

    [publication] = schedule(owner, workspace, [channel])
    Publication.objects.filter(pk=publication.pk).update(state=State.UNKNOWN)
    row = logged_in.post(f"/publications/{publication.pk}/resolve-published", {"url": url})
    _, token = ApiToken.issue(owner, "tests")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}").post(
        f"/api/v1/publications/{publication.pk}/resolve", {"published": True, "url": url},
        content_type="application/json")
    assert row.status_code == api.status_code == 422
    [refusal] = api.json()["detail"]
    assert refusal["field"] == "url" and refusal["message"] in html.unescape(row.content.decode())
    publication.refresh_from_db()
    assert (publication.state, publication.remote_url) == (State.UNKNOWN, "")
