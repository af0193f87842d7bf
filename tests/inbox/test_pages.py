"""The inbox page: the views a community manager works from, and taking and closing messages."""

from datetime import timedelta

import pytest
from django.utils import timezone

from stoa.inbox.actions import ingest
from stoa.inbox.models import Item
from stoa.providers.base import Person
from stoa.workspaces.models import AuditEvent
from tests.inbox.test_ingest import ByFirstWord, message


@pytest.fixture
def messages(workspace):
    from tests.web.test_journey import bluesky_channel

    channel = bluesky_channel(workspace)
    long_ago = timezone.now() - timedelta(days=3)
    stranger = Person("did:plc:stranger", handle="stranger.test", name="Dana", follows_brand=False)
    ingest(channel, [message(1, "complaint: הקפה היה קר", written_at=long_ago),
                     message(2, "lead: I want 20 boxes for the office", author=stranger),
                     message(3, "praise: ευχαριστώ πολύ!")], ByFirstWord())
    return {i.text.split(":")[0]: i for i in Item.objects.all()}


def page(client, query: str = "") -> str:
    response = client.get(f"/inbox/{query}")
    assert response.status_code == 200
    return response.content.decode()


def test_unanswered_messages_show_with_their_labels_and_direction(client, owner, messages):
    client.force_login(owner)
    html = page(client)
    assert "הקפה היה קר" in html and "I want 20 boxes" in html and "ευχαριστώ" in html
    assert 'dir="auto"' in html and "late" in html  # the complaint from three days ago is overdue
    assert "not following" in html


@pytest.mark.parametrize(("view", "shown", "hidden"), [
    ("overdue", "complaint", "praise"), ("negative", "complaint", "lead"), ("leads", "lead", "complaint"),
    ("non_followers", "lead", "praise"),
])
def test_each_view_shows_what_it_says(client, owner, messages, view, shown, hidden):
    client.force_login(owner)
    html = page(client, f"?view={view}")
    assert messages[shown].text in html and messages[hidden].text not in html


def test_taking_and_closing_a_message_is_audited_and_moves_it_between_views(client, owner, messages):
    client.force_login(owner)
    lead = messages["lead"]
    assert client.post(f"/inbox/{lead.pk}/take/").status_code == 200
    assert lead.text in page(client, "?view=mine")
    assert client.post(f"/inbox/{lead.pk}/done/").status_code == 200
    assert lead.text not in page(client) and lead.text in page(client, "?view=done")
    lead.refresh_from_db()
    assert lead.resolved_at is not None
    assert set(AuditEvent.objects.filter(object_type="item").values_list("action", flat=True)) == {
        "inbox.taken", "inbox.done"}
    client.post(f"/inbox/{lead.pk}/open/")
    assert lead.text in page(client)


def test_an_analyst_reads_but_does_not_answer_and_a_stranger_sees_nothing(client, member, stranger, messages):
    client.force_login(member("analyst"))
    assert messages["praise"].text in page(client)
    assert client.post(f"/inbox/{messages['praise'].pk}/done/").status_code == 403
    client.force_login(stranger)
    assert messages["praise"].text not in page(client)
    assert client.post(f"/inbox/{messages['praise'].pk}/done/").status_code == 404


def test_filters_by_channel_language_and_kind(client, owner, messages):
    client.force_login(owner)
    assert "ευχαριστώ" in page(client, "?view=all&kind=comment")
    assert "ευχαριστώ" not in page(client, "?view=all&kind=mention")
    assert "ευχαριστώ" not in page(client, "?view=all&channel=99999")


def test_a_message_page_shows_its_thread_and_keeps_a_failed_reply_with_its_reason(client, owner, workspace,
                                                                                    messages):
    client.force_login(owner)
    complaint = messages["complaint"]
    html = client.get(f"/inbox/{complaint.pk}/").content.decode()
    assert complaint.text in html and "No reply yet." in html
    response = client.post(f"/inbox/{complaint.pk}/", {"action": "reply", "text": "סליחה, בודקים"})
    assert response.status_code == 302  # saved and tried: the page shows how it went
    html = client.get(f"/inbox/{complaint.pk}/").content.decode()
    assert "סליחה, בודקים" in html and "Not sent" in html


def test_a_link_outside_the_policy_asks_for_a_confirmation_and_keeps_the_draft(client, owner, workspace, messages):
    from stoa.inbox.models import Policy

    Policy.objects.create(workspace=workspace, allowed_domains=["kafe.example"])
    client.force_login(owner)
    response = client.post(f"/inbox/{messages['lead'].pk}/", {"action": "reply", "text": "https://other.example"})
    html = response.content.decode()
    assert response.status_code == 422 and "Send it with this link anyway" in html and "https://other.example" in html


def test_deleting_is_refused_with_the_policys_reason_and_notes_are_kept(client, owner, messages):
    client.force_login(owner)
    complaint = messages["complaint"]
    response = client.post(f"/inbox/{complaint.pk}/", {"action": "delete"})
    assert response.status_code == 422 and "never deleted" in response.content.decode()
    client.post(f"/inbox/{complaint.pk}/", {"action": "note", "body": "Refund approved by Avi"})
    assert "Refund approved by Avi" in client.get(f"/inbox/{complaint.pk}/").content.decode()
    assert Item.objects.filter(pk=complaint.pk).exists()


def test_two_people_on_one_message_see_each_other(client, owner, member, messages):
    from django.test import Client

    colleague = Client()
    colleague.force_login(member("community_manager"))
    client.force_login(owner)
    client.get(f"/inbox/{messages['lead'].pk}/")
    answer = colleague.get(f"/inbox/{messages['lead'].pk}/presence/").content.decode()
    assert "olga" in answer and "also has this message open" in answer
    client.get(f"/inbox/{messages['lead'].pk}/presence/?replying=1")  # olga starts typing
    assert "olga is writing a reply" in colleague.get(f"/inbox/{messages['lead'].pk}/presence/").content.decode()


def test_a_message_is_assigned_to_a_member_or_a_team_of_its_workspace_only(client, owner, member, stranger,
                                                                            workspace, messages):
    from stoa.inbox.models import Team

    client.force_login(owner)
    colleague = member("community_manager")
    support = Team.objects.create(workspace=workspace, name="Support")
    lead = messages["lead"]
    client.post(f"/inbox/{lead.pk}/", {"action": "assign", "to": f"user:{colleague.pk}"})
    lead.refresh_from_db()
    assert lead.assigned_to == colleague and lead.routed_by == "olga"
    client.post(f"/inbox/{lead.pk}/", {"action": "assign", "to": f"team:{support.pk}"})
    lead.refresh_from_db()
    assert (lead.assigned_to, lead.team) == (None, support)
    response = client.post(f"/inbox/{lead.pk}/", {"action": "assign", "to": f"user:{stranger.pk}"})
    assert response.status_code == 422 and "member of this workspace" in response.content.decode()


def test_the_most_urgent_come_first_and_those_without_a_clock_last(client, owner, workspace):
    from stoa.inbox.queries import filtered
    from tests.web.test_journey import bluesky_channel

    now = timezone.now()
    ingest(bluesky_channel(workspace), [message(1, "spam: buy followers", written_at=now),
                                        message(2, "question: when?", written_at=now - timedelta(hours=1)),
                                        message(3, "complaint: cold", written_at=now)], ByFirstWord())
    order = [i.text.split(":")[0] for i in filtered(owner, {"view": "all"}, [workspace.pk])[0]]
    assert order == ["complaint", "question", "spam"]


def test_an_edited_message_shows_that_it_was_edited_and_what_it_said_before(client, owner, workspace):
    from stoa.providers.base import Incoming
    from tests.web.test_journey import bluesky_channel

    channel = bluesky_channel(workspace)
    first = message(1, "complaint: the coffee was cold")
    ingest(channel, [first], ByFirstWord())
    ingest(channel, [Incoming(**{**first.__dict__, "text": "complaint: the coffee was cold and late",
                                 "edited": True})], ByFirstWord())
    client.force_login(owner)
    html = client.get("/inbox/?view=all").content.decode()
    assert "cold and late" in html and "Edited by its author." in html and "the coffee was cold</p>" in html


@pytest.mark.parametrize(("page_input", "api_path", "api_input"), [
    ({"action": "reply", "text": "   "}, "replies", {"text": "   "}),
    ({"action": "note", "body": ""}, "notes", {"body": ""}),
    ({"action": "assign", "to": "user:{stranger}"}, "assign", {"user_id": "{stranger}"}),
], ids=["blank reply", "blank note", "assigned to a stranger"])
def test_the_message_page_and_the_api_refuse_the_same_bad_input_in_the_same_words(
        client, owner, stranger, messages, page_input, api_path, api_input):
    """Both go through stoa/inbox/forms.py and the actions that check with it."""
    import html

    from django.test import Client

    from stoa.workspaces.models import ApiToken

    lead = messages["lead"]
    fill = {"stranger": stranger.pk}
    client.force_login(owner)
    page = client.post(f"/inbox/{lead.pk}/", {k: v.format(**fill) for k, v in page_input.items()})
    _, token = ApiToken.issue(owner, "tests")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}").post(
        f"/api/v1/inbox/{lead.pk}/{api_path}",
        {k: int(v.format(**fill)) if k.endswith("_id") else v for k, v in api_input.items()},
        content_type="application/json")
    assert page.status_code == api.status_code == 422
    [refusal] = api.json()["detail"]
    assert refusal["message"] in html.unescape(page.content.decode())
    assert not lead.replies.exists() and not lead.notes.exists()
    lead.refresh_from_db()
    assert lead.assigned_to is None
