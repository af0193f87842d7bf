"""Scheduling, editing and resolving publications, and who may do it."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from stoa.errors import ActionError
from stoa.posts.access import access_publication
from stoa.posts.actions import (
    VariantInput,
    add_media,
    cancel_publication,
    create_post,
    publish_now,
    resolve_unknown,
    schedule_publication,
)
from stoa.posts.models import Publication, State
from stoa.workspaces.access import Forbidden, NotFound, Permission, access_workspace
from stoa.workspaces.models import AuditEvent
from tests.conftest import mastodon_channel
from tests.core.helpers import image_bytes, schedule

PNG = image_bytes()


# Also run on PostgreSQL by `make test-postgres`.
pytestmark = pytest.mark.postgres

def test_post_is_scheduled_on_every_channel_at_the_local_time(owner, workspace, fake_network):
    one, two = mastodon_channel(workspace, fake_network, 1), mastodon_channel(workspace, fake_network, 2)
    post = create_post(owner, workspace, text="שלום", variants=[VariantInput(one.pk), VariantInput(two.pk)],
                       scheduled_at=datetime(2030, 6, 1, 9, 30), content_type="selling", tags=["summer"])

    publications = Publication.objects.filter(variant__post=post)
    assert publications.count() == 2
    for p in publications:
        assert p.state == State.SCHEDULED
        assert p.scheduled_at.isoformat() == "2030-06-01T06:30:00+00:00"  # Jerusalem is UTC+3 in summer
        assert p.next_attempt_at == p.scheduled_at
    assert AuditEvent.objects.filter(action="post.created", actor=owner).exists()


def test_each_channel_can_have_its_own_text(owner, workspace, fake_network):
    one, two = mastodon_channel(workspace, fake_network, 1), mastodon_channel(workspace, fake_network, 2)
    post = create_post(owner, workspace, text="common",
                       variants=[VariantInput(one.pk), VariantInput(two.pk, text="only for two")])
    texts = dict(post.variants.values_list("channel_id", "text"))
    assert texts == {one.pk: "common", two.pk: "only for two"}


def test_post_without_time_is_a_draft(owner, workspace, channel):
    post = create_post(owner, workspace, text="later", variants=[VariantInput(channel.pk)])
    assert post.variants.get().publication.state == State.DRAFT


def test_unknown_channel_is_refused_with_the_field(owner, workspace, channel):
    with pytest.raises(ActionError) as e:
        create_post(owner, workspace, text="x", variants=[VariantInput(999999)])
    assert "variants[0].channel_id" in e.value.errors


def test_channel_of_another_workspace_is_refused_like_an_unknown_one(owner, workspace, other_workspace,
                                                                     fake_network):
    foreign = mastodon_channel(other_workspace, fake_network)
    with pytest.raises(ActionError) as e:
        create_post(owner, workspace, text="x", variants=[VariantInput(foreign.pk)])
    assert e.value.errors["variants[0].channel_id"] == [f"No channel {foreign.pk} in Kafe Yafo."]


def test_past_time_is_refused(owner, workspace, channel):
    with pytest.raises(ActionError, match="in the past"):
        create_post(owner, workspace, text="x", variants=[VariantInput(channel.pk)],
                    scheduled_at=timezone.now() - timedelta(hours=1))


def test_text_over_the_channels_limit_is_refused_per_channel(owner, workspace, channel):
    with pytest.raises(ActionError) as e:
        create_post(owner, workspace, text="ا" * 501, variants=[VariantInput(channel.pk)],
                    scheduled_at=timezone.now() + timedelta(hours=1))
    [message] = e.value.errors["variants[0]"]
    assert message.startswith("Mastodon 1 (text):") and "500" in message and "501" in message


def test_min_gap_rule_is_enforced_when_scheduling(owner, workspace, fake_network):
    channel = mastodon_channel(workspace, fake_network, min_gap_minutes=60)
    schedule(owner, workspace, [channel], in_seconds=3600)
    with pytest.raises(ActionError, match="at least 60 minutes between posts"):
        schedule(owner, workspace, [channel], in_seconds=3600 + 30 * 60)
    schedule(owner, workspace, [channel], in_seconds=3600 + 61 * 60)


def test_daily_max_rule_counts_the_workspaces_local_day(owner, workspace, fake_network):
    channel = mastodon_channel(workspace, fake_network, daily_max=1)
    # 23:30 and 00:30 in Jerusalem are different local days, though the same UTC day.
    create_post(owner, workspace, text="a", variants=[VariantInput(channel.pk)],
                scheduled_at=datetime(2030, 1, 1, 23, 30))
    create_post(owner, workspace, text="b", variants=[VariantInput(channel.pk)],
                scheduled_at=datetime(2030, 1, 2, 0, 30))
    with pytest.raises(ActionError, match="at most 1 post a day"):
        create_post(owner, workspace, text="c", variants=[VariantInput(channel.pk)],
                    scheduled_at=datetime(2030, 1, 2, 12, 0))


def test_failed_validation_writes_nothing(owner, workspace, channel):
    with pytest.raises(ActionError):
        create_post(owner, workspace, text="ok", variants=[VariantInput(channel.pk), VariantInput(424242)])
    assert not Publication.objects.exists()


def test_cancelled_publication_cannot_be_cancelled_again(owner, workspace, channel):
    [publication] = schedule(owner, workspace, [channel])
    cancel_publication(owner, publication)
    assert publication.state == State.CANCELLED
    with pytest.raises(ActionError, match="cancelled and cannot be changed"):
        cancel_publication(owner, publication)


def test_missed_publication_can_be_published_now(owner, workspace, channel):
    [publication] = schedule(owner, workspace, [channel])
    Publication.objects.filter(pk=publication.pk).update(state=State.MISSED)
    publication = publish_now(owner, publication)
    assert publication.state == State.SCHEDULED
    assert publication.next_attempt_at <= timezone.now()


def test_missed_publication_can_be_rescheduled(owner, workspace, channel):
    [publication] = schedule(owner, workspace, [channel])
    Publication.objects.filter(pk=publication.pk).update(state=State.MISSED)
    publication = schedule_publication(owner, publication, datetime(2031, 2, 3, 10, 0))
    assert publication.state == State.SCHEDULED
    assert publication.scheduled_at.isoformat() == "2031-02-03T08:00:00+00:00"


def test_person_resolves_an_unknown_outcome(owner, workspace, channel):
    first, second = schedule(owner, workspace, [channel]), schedule(owner, workspace, [channel], in_seconds=999)
    Publication.objects.filter(pk__in=[first[0].pk, second[0].pk]).update(state=State.UNKNOWN)

    done = resolve_unknown(owner, first[0], published=True, url="https://example.social/@kafe/1")
    again = resolve_unknown(owner, second[0], published=False)

    assert (done.state, done.remote_url) == (State.PUBLISHED, "https://example.social/@kafe/1")
    assert again.state == State.SCHEDULED and again.next_attempt_at <= timezone.now()


def test_media_type_is_decided_by_its_bytes_not_its_name(owner, workspace):
    assert add_media(owner, workspace, "photo.gif", PNG).content_type == "image/png"
    with pytest.raises(ActionError, match="not a JPEG, PNG"):
        add_media(owner, workspace, "photo.png", b"MZ\x90\x00 not an image")


def test_oversize_media_is_refused(owner, workspace, settings):
    settings.STOA_MAX_UPLOAD_BYTES = 100
    with pytest.raises(ActionError, match="accepts at most"):
        add_media(owner, workspace, "big.png", PNG + b"\x00" * 200)


def test_stranger_cannot_see_another_workspace(stranger, workspace):
    with pytest.raises(NotFound):
        access_workspace(stranger, workspace.pk)


def test_stranger_cannot_see_another_workspaces_publication(owner, stranger, workspace, channel):
    [publication] = schedule(owner, workspace, [channel])
    with pytest.raises(NotFound):
        access_publication(stranger, publication.pk)


@pytest.mark.parametrize("role", ["analyst", "community_manager", "client"])
def test_roles_that_do_not_publish_cannot_publish(role, member, workspace):
    with pytest.raises(Forbidden):
        access_workspace(member(role), workspace.pk, Permission.PUBLISH)


def test_content_editor_can_publish_but_not_manage_channels(member, workspace):
    editor = member("content_editor")
    assert access_workspace(editor, workspace.slug, Permission.PUBLISH) == workspace
    with pytest.raises(Forbidden):
        access_workspace(editor, workspace.pk, Permission.MANAGE_CHANNELS)


def test_client_does_not_see_the_publication_list(member, workspace):
    with pytest.raises(Forbidden):
        access_workspace(member("client"), workspace.pk, Permission.VIEW_PUBLICATIONS)
