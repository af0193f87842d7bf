"""The communication policy, edited in the web app and stored as data, and the response-time report."""

from datetime import timedelta

import pytest
from django.utils import timezone

from stoa.inbox.actions import ingest
from stoa.inbox.models import (
    Item,
    Policy,
    Reply,
    ReplyState,
    ResponseTarget,
    RoutingRule,
    SavedReply,
    Team,
    WorkingTime,
)
from stoa.inbox.report import response_report
from tests.inbox.test_ingest import ByFirstWord, message


def post(client, workspace, form: str, **data):
    return client.post(f"/inbox/policy/?workspace={workspace.slug}", {"form": form, **data})


def test_the_policy_is_edited_and_kept_as_data(client, owner, workspace):
    client.force_login(owner)
    assert post(client, workspace, "settings", tone_guide="Warm, short, never defensive", link_policy="allowed_domains",
                allowed_domains="kafe.example, https://shop.kafe.example/", hiding_allowed="1",
                burst_negative_count="4", burst_minutes="20", alarm_keywords="lawyer, עורך דין",
                handoff_url="https://helpdesk.example/hook", handoff_secret="s3cret").status_code == 302
    policy = Policy.objects.get(workspace=workspace)
    assert policy.allowed_domains == ["kafe.example", "shop.kafe.example"] and policy.hiding_allowed
    assert (policy.burst_negative_count, policy.burst_minutes, policy.alarm_keywords) == (4, 20, ["lawyer", "עורך דין"])
    assert policy.handoff_secret == "s3cret"
    post(client, workspace, "settings", link_policy="confirm", burst_negative_count="4", burst_minutes="20",
         handoff_url="https://helpdesk.example/hook")
    assert Policy.objects.get().handoff_secret == "s3cret"  # an empty secret field keeps the secret
    page = client.get(f"/inbox/policy/?workspace={workspace.slug}").content.decode()
    assert "s3cret" not in page and "helpdesk.example/hook" in page  # the secret is never shown again


def test_targets_hours_and_days_off(client, owner, workspace):
    client.force_login(owner)
    post(client, workspace, "targets", target_complaint="15", target_lead="30")
    assert dict(ResponseTarget.objects.values_list("intent", "first_response_minutes")) == {"complaint": 15, "lead": 30}
    post(client, workspace, "hours", day_0="09:00-13:00, 14:00-18:00", day_6="", holidays="2026-12-25")
    working = WorkingTime.objects.get()
    assert working.hours["0"] == [["09:00", "13:00"], ["14:00", "18:00"]] and working.holidays == ["2026-12-25"]


@pytest.mark.parametrize(("form", "data", "says"), [
    ("hours", {"day_0": "18:00-09:00"}, "09:00-18:00"), ("hours", {"holidays": "Christmas"}, "not a date"),
    ("targets", {"target_complaint": "soon"}, "number of minutes"),
    ("settings", {"link_policy": "whatever"}, "link policies"), ("rule", {"name": "Nowhere"}, "member or a team"),
])
def test_bad_policy_input_is_refused_with_the_reason_and_nothing_changes(client, owner, workspace, form, data, says):
    client.force_login(owner)
    response = post(client, workspace, form, **data)
    assert response.status_code == 422 and says in response.content.decode()
    assert not WorkingTime.objects.exists() and not ResponseTarget.objects.exists()
    assert not RoutingRule.objects.exists()


def test_rules_teams_and_saved_replies(client, owner, workspace, member):
    client.force_login(owner)
    cm = member("community_manager")
    post(client, workspace, "team", name="Support", members=[cm.pk])
    team = Team.objects.get()
    assert list(team.members.all()) == [cm]
    post(client, workspace, "rule", name="Complaints to support", intents=["complaint"], sentiments=["negative"],
         team=team.pk)
    rule = RoutingRule.objects.get()
    assert (rule.intents, rule.sentiments, rule.team_id) == (["complaint"], ["negative"], team.pk)
    post(client, workspace, "saved_reply", title="Late order", body="{name}, we are on it", intent="complaint")
    assert SavedReply.objects.get().body == "{name}, we are on it"
    post(client, workspace, "delete_rule", id=rule.pk)
    assert not RoutingRule.objects.exists()


def test_only_managers_change_the_policy(client, workspace, member):
    client.force_login(member("community_manager"))
    assert client.get(f"/inbox/policy/?workspace={workspace.slug}").status_code == 200
    assert post(client, workspace, "targets", target_complaint="5").status_code == 403
    assert not ResponseTarget.objects.exists()


def test_the_report_counts_working_minutes_per_member_channel_and_intent(client, owner, workspace):
    from tests.web.test_journey import bluesky_channel

    channel = bluesky_channel(workspace)
    written = timezone.now() - timedelta(hours=3)
    ingest(channel, [message(1, "complaint: a", written_at=written), message(2, "question: b", written_at=written),
                     message(3, "question: c", written_at=written)], ByFirstWord())
    complaint, question, _unanswered = Item.objects.order_by("remote_id")
    for item, minutes in ((complaint, 30), (question, 150)):
        Reply.objects.create(item=item, author=owner, text="answer", state=ReplyState.SENT,
                             sent_at=written + timedelta(minutes=minutes))
        Item.objects.filter(pk=item.pk).update(first_response_at=written + timedelta(minutes=minutes))
    report = response_report(workspace, timezone.now() - timedelta(days=1), timezone.now())
    total = report["total"][0]
    assert (total.messages, total.answered, total.median_first_response) == (3, 2, 90)
    assert total.on_time_percent == pytest.approx(100 / 3)  # complaint in 30 of 60; question 150 of 120 is late
    assert {r.label: r.answered for r in report["member"]} == {"olga": 2, "—": 0}
    client.force_login(owner)
    page = client.get(f"/inbox/report/?workspace={workspace.slug}").content.decode()
    assert "By member" in page and "1.5 h" in page and "olga" in page


def test_bad_policy_settings_are_refused_with_every_reason_at_once_and_nothing_half_saved(client, owner, workspace,
                                                                                         member, stranger):
    """Each part of the policy page reads its input through its form (stoa/inbox/forms.py)."""
    import html

    client.force_login(owner)
    page = html.unescape(post(client, workspace, "settings", link_policy="whatever", burst_minutes="0",
                              handoff_url="ftp://helpdesk", sales_email="sales at kafe").content.decode())
    for reason in ("Choose one of the link policies.", "The alarm window is 1 to 1,440 minutes",
                   "The hand-off address is a web address", "This is not an email address."):
        assert reason in page
    assert not Policy.objects.filter(workspace=workspace, link_policy="whatever").exists()

    response = post(client, workspace, "targets", target_question="30", target_complaint="soon")
    assert response.status_code == 422 and not ResponseTarget.objects.exists()  # not the question's either

    response = post(client, workspace, "rule", name="x" * 121, intents=["complaint", "gossip"],
                    assign_to=stranger.pk)
    page = html.unescape(response.content.decode())
    assert response.status_code == 422 and "Keep the name under 120 characters." in page
    assert "Unknown values: gossip." in page and "Choose a member of this workspace." in page
    response = post(client, workspace, "team", name="Support", members=[stranger.pk])
    assert response.status_code == 422 and not Team.objects.exists()
