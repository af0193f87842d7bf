"""The REST API under /api/v1/."""

import pytest
from django.test import Client

from stoa.posts.models import Publication, State
from stoa.workspaces.models import ApiToken
from tests.conftest import mastodon_channel
from tests.core.helpers import schedule


@pytest.fixture
def api(owner):
    _, token = ApiToken.issue(owner, "tests")
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def test_openapi_schema_is_published(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/workspaces/{workspace_id}/posts" in paths
    assert "/api/v1/publications/{publication_id}/publish-now" in paths


def test_requests_without_a_valid_token_are_refused(client, db):
    assert client.get("/api/v1/workspaces").status_code == 401
    bad = Client(HTTP_AUTHORIZATION="Bearer stoa_not-a-token")
    assert bad.get("/api/v1/workspaces").status_code == 401


def test_only_the_tokens_hash_is_stored(owner):
    api_token, token = ApiToken.issue(owner, "x")
    assert token not in api_token.token_hash and len(api_token.token_hash) == 64


def test_workspace_is_created_and_listed(api):
    response = api.post("/api/v1/workspaces", {"name": "Tehran Tea", "timezone": "Asia/Tehran", "language": "fa"},
                        content_type="application/json")
    assert response.status_code == 201, response.content
    assert [w["slug"] for w in api.get("/api/v1/workspaces").json()] == ["tehran-tea"]


def test_bad_timezone_says_which_field_and_why(api):
    response = api.post("/api/v1/workspaces", {"name": "X", "timezone": "Mars/Olympus"},
                        content_type="application/json")
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error == {"field": "timezone",
                     "message": "Mars/Olympus is not a timezone name such as Europe/Athens or Asia/Jerusalem."}


def test_malformed_body_is_a_422_naming_the_field(api, workspace):
    response = api.post(f"/api/v1/workspaces/{workspace.pk}/posts", {"text": "x", "variants": "nope"},
                        content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"].startswith("variants")


def test_post_is_scheduled_through_the_api_at_local_time(api, workspace, channel):
    response = api.post(f"/api/v1/workspaces/{workspace.pk}/posts",
                        {"text": "مرحبا", "variants": [{"channel_id": channel.pk}],
                         "scheduled_at": "2030-12-01T10:00", "content_type": "news"},
                        content_type="application/json")
    assert response.status_code == 201, response.content
    [publication] = response.json()["publications"]
    assert publication["state"] == "scheduled"
    assert publication["scheduled_local"] == "2030-12-01 10:00"
    assert publication["scheduled_at"].startswith("2030-12-01T08:00:00")


def test_text_over_the_limit_is_a_422_per_channel(api, workspace, channel):
    response = api.post(f"/api/v1/workspaces/{workspace.pk}/posts",
                        {"text": "x" * 600, "variants": [{"channel_id": channel.pk}],
                         "scheduled_at": "2030-12-01T10:00"}, content_type="application/json")
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["field"] == "variants[0]" and "500" in error["message"]
    assert not Publication.objects.exists()


def test_nonexistent_local_time_is_a_422(api, workspace, channel):
    response = api.post(f"/api/v1/workspaces/{workspace.pk}/posts",
                        {"text": "x", "variants": [{"channel_id": channel.pk}], "scheduled_at": "2031-03-28T02:30"},
                        content_type="application/json")  # Jerusalem springs forward at 02:00 that day
    assert response.status_code == 422
    assert "does not exist in Asia/Jerusalem" in response.json()["detail"][0]["message"]


def test_another_workspace_is_not_found(api, other_workspace, fake_network):
    foreign = mastodon_channel(other_workspace, fake_network)
    assert api.get(f"/api/v1/workspaces/{other_workspace.pk}").status_code == 404
    assert api.get(f"/api/v1/channels/{foreign.pk}").status_code == 404
    response = api.post(f"/api/v1/workspaces/{other_workspace.pk}/posts",
                        {"text": "x", "variants": [{"channel_id": foreign.pk}]}, content_type="application/json")
    assert response.status_code == 404


def test_publication_is_cancelled_and_cannot_be_cancelled_twice(api, owner, workspace, channel):
    [publication] = schedule(owner, workspace, [channel])
    url = f"/api/v1/publications/{publication.pk}/cancel"
    assert api.post(url).json()["state"] == "cancelled"
    response = api.post(url)
    assert response.status_code == 422
    assert "cannot be changed" in response.json()["detail"][0]["message"]


def test_unknown_outcome_is_resolved_through_the_api(api, owner, workspace, channel):
    [publication] = schedule(owner, workspace, [channel])
    Publication.objects.filter(pk=publication.pk).update(state=State.UNKNOWN)
    response = api.post(f"/api/v1/publications/{publication.pk}/resolve",
                        {"published": True, "url": "https://m.example/@k/1"}, content_type="application/json")
    assert response.json()["state"] == "published"


def test_publications_are_filtered_by_state(api, owner, workspace, channel):
    schedule(owner, workspace, [channel])
    assert len(api.get("/api/v1/publications?state=scheduled").json()) == 1
    assert api.get("/api/v1/publications?state=published").json() == []
    assert api.get("/api/v1/publications?state=bogus").status_code == 422


def test_analyst_cannot_schedule(member, workspace, channel):
    _, token = ApiToken.issue(member("analyst"), "t")
    response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").post(
        f"/api/v1/workspaces/{workspace.pk}/posts",
        {"text": "x", "variants": [{"channel_id": channel.pk}], "scheduled_at": "2030-12-01T10:00"},
        content_type="application/json")
    assert response.status_code == 403


def test_networks_and_their_limits_are_listed(api):
    networks = {n["key"]: n for n in api.get("/api/v1/networks").json()}
    assert networks["bluesky"]["max_text"] == 300 and networks["bluesky"]["counts"] == "graphemes"
    assert networks["telegram"]["max_caption"] == 1024


def test_scheduled_publication_text_is_edited_and_checked(api, owner, workspace, channel):
    [publication] = schedule(owner, workspace, [channel])
    url = f"/api/v1/publications/{publication.pk}"
    response = api.patch(url, {"text": "טקסט חדש"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["text"] == "טקסט חדש"
    too_long = api.patch(url, {"text": "x" * 501}, content_type="application/json")
    assert too_long.status_code == 422 and "500" in too_long.json()["detail"][0]["message"]
    Publication.objects.filter(pk=publication.pk).update(state=State.PUBLISHED)
    assert api.patch(url, {"text": "late"}, content_type="application/json").status_code == 422


def test_check_answers_what_each_channel_says_without_saving(api, workspace, channel):
    from tests.web.test_journey import bluesky_channel

    bluesky = bluesky_channel(workspace)
    payload = {"text": "ש" * 320, "variants": [{"channel_id": channel.pk}, {"channel_id": bluesky.pk}]}
    response = api.post(f"/api/v1/workspaces/{workspace.pk}/posts/check", payload, content_type="application/json")
    body = response.json()
    assert response.status_code == 200 and body["ok"] is False
    by_network = {c["network"]: c for c in body["channels"]}
    assert by_network["mastodon"]["remaining"] == 180 and by_network["mastodon"]["problems"] == []
    assert by_network["bluesky"]["remaining"] == -20
    assert by_network["bluesky"]["problems"][0]["field"] == "text"
    assert Publication.objects.count() == 0


def test_a_post_can_be_queued_at_each_channels_next_free_slot(api, owner, workspace, channel):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from stoa.planning.actions import add_slot

    tomorrow = datetime.now(ZoneInfo(workspace.timezone)) + timedelta(days=1)
    add_slot(owner, channel, weekday=tomorrow.weekday(), time_of_day="08:15")
    payload = {"text": "בוקר טוב", "variants": [{"channel_id": channel.pk}], "queue": True}
    response = api.post(f"/api/v1/workspaces/{workspace.pk}/posts", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    publication = Publication.objects.get()
    assert publication.state == State.SCHEDULED
    assert f"{publication.scheduled_at.astimezone(ZoneInfo(workspace.timezone)):%H:%M}" == "08:15"


def test_the_inbox_is_worked_through_the_api(api, owner, workspace):
    from stoa.inbox.actions import ingest
    from tests.inbox.test_ingest import ByFirstWord, message
    from tests.web.test_journey import bluesky_channel

    channel = bluesky_channel(workspace)
    ingest(channel, [message(1, "complaint: ההזמנה לא הגיעה"), message(2, "lead: 20 boxes please")], ByFirstWord())
    listed = api.get(f"/api/v1/inbox?workspace_id={workspace.pk}&view=leads").json()
    assert [i["text"] for i in listed] == ["lead: 20 boxes please"] and listed[0]["author"]["handle"]
    complaint = api.get(f"/api/v1/inbox?workspace_id={workspace.pk}&view=negative").json()[0]
    reply = api.post(f"/api/v1/inbox/{complaint['id']}/replies", {"text": "סליחה"}, content_type="application/json")
    assert reply.status_code == 201 and reply.json()["state"] == "failed" and reply.json()["error"]  # nothing listens
    assert api.post(f"/api/v1/inbox/{complaint['id']}/notes", {"body": "VIP"},
                    content_type="application/json").status_code == 201
    assigned = api.post(f"/api/v1/inbox/{complaint['id']}/assign", {"user_id": owner.pk},
                        content_type="application/json")
    assert assigned.json()["assigned_to"] == "olga"
    done = api.post(f"/api/v1/inbox/{complaint['id']}/status", {"status": "done"}, content_type="application/json")
    assert done.json()["status"] == "done"
    refused = api.delete(f"/api/v1/inbox/{complaint['id']}")
    assert refused.status_code == 422 and "never deleted" in refused.json()["detail"][0]["message"]
    bad = api.get("/api/v1/inbox?view=everything")
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "view"
    too_large = api.get(f"/api/v1/inbox?kind=search&channel={2**90}&workspace_id={workspace.pk}")
    assert too_large.status_code == 422 and too_large.json()["detail"][0]["field"] == "channel"


def test_another_workspaces_inbox_is_not_found(api, stranger, other_workspace):
    from stoa.inbox.actions import ingest
    from tests.inbox.test_ingest import ByFirstWord, message
    from tests.web.test_journey import bluesky_channel

    ingest(bluesky_channel(other_workspace), [message(1, "question: hi")], ByFirstWord())
    from stoa.inbox.models import Item

    item = Item.objects.get()
    assert api.get(f"/api/v1/inbox/{item.pk}").status_code == 404
    assert api.get(f"/api/v1/inbox?workspace_id={other_workspace.pk}").status_code == 404
    assert api.get("/api/v1/inbox").json() == []


def post_made(api, workspace, channel) -> int:
    response = api.post(f"/api/v1/workspaces/{workspace.pk}/posts",
                        {"text": "Winter menu", "variants": [{"channel_id": channel.pk}], "title": "Menu"},
                        content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_a_posts_title_tags_and_campaign_are_changed_and_what_is_left_out_stays(api, workspace, channel):
    post_id = post_made(api, workspace, channel)
    response = api.patch(f"/api/v1/posts/{post_id}", {"tags": ["#Winter", "menu", "winter"], "campaign": "winter-26"},
                         content_type="application/json")
    assert response.status_code == 200, response.content
    changed = response.json()
    assert (changed["title"], changed["tags"], changed["campaign"]) == ("Menu", ["Winter", "menu"], "winter-26")
    assert api.get(f"/api/v1/posts/{post_id}").json()["campaign"] == "winter-26"


def test_a_post_details_change_that_is_wrong_says_which_field(api, workspace, channel):
    post_id = post_made(api, workspace, channel)
    response = api.patch(f"/api/v1/posts/{post_id}", {"content_type": "gossip"}, content_type="application/json")
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "content_type"
    response = api.patch(f"/api/v1/posts/{post_id}", {"campaign": "c" * 201}, content_type="application/json")
    assert response.status_code == 422


def test_only_who_edits_posts_in_its_workspace_changes_a_posts_details(api, workspace, channel, member, stranger):
    post_id = post_made(api, workspace, channel)
    _, analyst_token = ApiToken.issue(member("analyst"), "analyst")
    _, stranger_token = ApiToken.issue(stranger, "stranger")
    for token, status in ((analyst_token, 403), (stranger_token, 404)):
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        response = client.patch(f"/api/v1/posts/{post_id}", {"title": "Mine"}, content_type="application/json")
        assert response.status_code == status
    assert api.get(f"/api/v1/posts/{post_id}").json()["title"] == "Menu"


def test_a_post_with_something_that_only_looks_like_a_link_is_published_and_rescheduled(api, workspace, channel):
    response = api.post(f"/api/v1/workspaces/{workspace.pk}/posts",
                        {"text": "Menu at http://[kafe and https://kafe.example/menu",
                         "variants": [{"channel_id": channel.pk}]}, content_type="application/json")
    [publication] = response.json()["publications"]
    assert api.post(f"/api/v1/publications/{publication['id']}/publish-now").status_code == 200
    response = api.post(f"/api/v1/publications/{publication['id']}/reschedule", {"scheduled_at": "2030-12-01T10:00"},
                        content_type="application/json")
    assert response.status_code == 200
