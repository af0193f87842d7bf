"""Answering under the policy: replies checked and kept whatever the network does, hiding only where allowed,
never deleting, notes, who else is answering, and the alarms."""

from datetime import timedelta

import pytest
from django.utils import timezone

from stoa.errors import ActionError
from stoa.inbox import alerts, answers
from stoa.inbox.actions import ingest
from stoa.inbox.models import Item, LinkPolicy, Policy, Reply, ReplyState, SavedReply
from stoa.workspaces.models import Notification
from tests.inbox.test_ingest import ByFirstWord, message


def test_a_link_outside_the_allowed_sites_needs_a_confirmation(item):
    Policy.objects.create(workspace=item.workspace, allowed_domains=["kafe.example"])
    assert answers.check_reply(item, "See https://kafe.example/menu or www.shop.kafe.example").confirm == []
    checked = answers.check_reply(item, "Try https://cheap-coffee.example/deal")
    assert checked.problems == [] and "cheap-coffee.example" in checked.confirm[0]


def test_a_policy_that_confirms_every_link_and_one_that_allows_all(item):
    policy = Policy.objects.create(workspace=item.workspace, link_policy=LinkPolicy.CONFIRM)
    assert answers.check_reply(item, "https://kafe.example").confirm
    policy.link_policy = LinkPolicy.ANYWHERE
    policy.save()
    assert not answers.check_reply(item, "https://anything.example").confirm


def test_a_reply_over_the_networks_limit_is_refused_before_anything_is_saved(item, owner):
    with pytest.raises(ActionError, match="300"):
        answers.send_reply(owner, item, "א" * 301)
    assert Reply.objects.count() == 0


def test_an_unconfirmed_link_is_not_sent(item, owner):
    Policy.objects.create(workspace=item.workspace, allowed_domains=["kafe.example"])
    with pytest.raises(ActionError) as refused:
        answers.send_reply(owner, item, "https://elsewhere.example")
    assert "confirm" in refused.value.errors and Reply.objects.count() == 0


def test_a_reply_the_network_does_not_take_stays_with_its_reason(item, owner):
    reply = answers.send_reply(owner, item, "מצטערים, בודקים עכשיו")
    assert reply.state == ReplyState.FAILED and "Could not reach Bluesky" in reply.error
    assert reply.text == "מצטערים, בודקים עכשיו"
    item.refresh_from_db()
    assert item.first_response_at is None  # not answered until a reply went out


def test_a_saved_reply_fills_in_the_name_and_the_order(item):
    saved = SavedReply(workspace=item.workspace, title="Late order", body="{name}, order {order} is on its way")
    assert answers.fill(saved, item, order="4521") == "Dana, order 4521 is on its way"
    assert answers.fill(saved, item) == "Dana, order {order} is on its way"


def test_nothing_is_ever_deleted_and_hiding_needs_the_policy_and_a_reason(item, owner):
    with pytest.raises(ActionError, match="never deleted"):
        answers.refuse_delete(item)
    with pytest.raises(ActionError, match="does not allow hiding"):
        answers.hide(owner, item, "abusive")
    Policy.objects.update_or_create(workspace=item.workspace, defaults={"hiding_allowed": True})
    with pytest.raises(ActionError, match="Say why"):
        answers.hide(owner, item, " ")
    assert Item.objects.get().hidden_reason == ""


def test_notes_and_who_else_has_the_message_open(item, owner, member):
    colleague = member("community_manager")
    answers.add_note(owner, item, "VIP customer, offer a voucher")
    assert [n.body for n in item.notes.all()] == ["VIP customer, offer a voucher"]
    assert answers.here(owner, item, replying=True) == []
    [seen] = answers.here(colleague, item)
    assert seen.user == owner and seen.replying
    item.presences.filter(user=owner).update(seen_at=timezone.now() - timedelta(minutes=5))
    assert answers.here(colleague, item) == []  # the page was left


def test_a_burst_of_negative_messages_raises_one_alarm(workspace, owner, item):
    Policy.objects.create(workspace=workspace, burst_negative_count=3, burst_minutes=10)
    ingest(item.channel, [message(n, "complaint: קר") for n in range(10, 12)], ByFirstWord())
    alarms = Notification.objects.filter(kind="inbox_acute")
    assert alarms.count() == 1 and "3 negative messages in 10 minutes" in alarms.get().message
    ingest(item.channel, [message(n, "complaint: עוד") for n in range(20, 23)], ByFirstWord())
    assert alarms.count() == 1  # the same burst is not reported again


def test_an_alarm_word_raises_the_alarm_at_once(workspace, item):
    Policy.objects.create(workspace=workspace, alarm_keywords=["lawyer", "עורך דין"])
    ingest(item.channel, [message(30, "other: my lawyer will call you")], ByFirstWord())
    assert "my lawyer will call you" in Notification.objects.get(kind="inbox_acute").message


def test_the_people_handling_a_message_are_warned_before_it_is_late_then_alerted(workspace, owner, item):
    now = timezone.now()
    Item.objects.filter(pk=item.pk).update(first_response_due=now + timedelta(minutes=10))
    assert alerts.check_deadlines(now) == (1, 0)
    assert alerts.check_deadlines(now) == (0, 0)  # once
    assert alerts.check_deadlines(now + timedelta(minutes=11)) == (0, 1)
    assert set(Notification.objects.values_list("kind", flat=True)) == {"inbox_due_soon", "inbox_late"}
