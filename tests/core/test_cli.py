"""The `stoa` command line, run as Django management commands."""

import json
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from stoa.posts.models import Publication, State
from stoa.workspaces.models import Workspace


@pytest.fixture
def admin(db):
    return get_user_model().objects.create_superuser("admin", "admin@example.com", "pw-admin-123")


def stoa(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_first_admin_is_created_once_with_login_instructions(db):
    output = stoa("ensureadmin")
    assert "User name: admin" in output and "Password:" in output
    assert stoa("ensureadmin") == ""
    assert get_user_model().objects.filter(is_superuser=True).count() == 1


def test_workspace_is_created_and_listed(admin):
    assert "in Asia/Jerusalem" in stoa("workspace", "create", "Kafe Yafo", "--timezone", "Asia/Jerusalem")
    assert "kafe-yafo" in stoa("workspace", "list")


def test_bad_timezone_is_a_clear_error(admin):
    with pytest.raises(CommandError, match="timezone: 'Mars/Base' is not an IANA timezone"):
        stoa("workspace", "create", "X", "--timezone", "Mars/Base")


def test_post_is_scheduled_to_several_channels_listed_and_cancelled(admin, fake_network):
    from tests.conftest import mastodon_channel

    stoa("workspace", "create", "Kafe Yafo", "--timezone", "Asia/Jerusalem")
    workspace = Workspace.objects.get()
    one, two = mastodon_channel(workspace, fake_network, 1), mastodon_channel(workspace, fake_network, 2)

    output = stoa("post", "schedule", "kafe-yafo", "--channel", str(one.pk), "--channel", str(two.pk),
                  "--text", "בוקר טוב", "--at", "2030-12-01 10:00")
    assert "scheduled for 2030-12-01 10:00 (Asia/Jerusalem)" in output

    rows = json.loads(stoa("publications", "list", "kafe-yafo", "--json"))
    assert [(r["state"], r["scheduled_local"], r["text"]) for r in rows] == [
        ("scheduled", "2030-12-01 10:00", "בוקר טוב")] * 2
    table = stoa("publications", "list")
    assert "2030-12-01 10:00" in table and "Mastodon 1" in table

    stoa("publications", "edit", str(rows[1]["id"]), "--text", "ערב טוב")
    assert Publication.objects.get(pk=rows[1]["id"]).variant.text == "ערב טוב"
    assert "cancelled" in stoa("publications", "cancel", str(rows[0]["id"]))
    assert Publication.objects.get(pk=rows[0]["id"]).state == State.CANCELLED


def test_publish_now_on_a_missed_publication(admin, fake_network):
    from tests.conftest import mastodon_channel

    stoa("workspace", "create", "W")
    channel = mastodon_channel(Workspace.objects.get(), fake_network)
    stoa("post", "schedule", "w", "--channel", str(channel.pk), "--text", "x", "--at", "2030-01-01 10:00")
    publication = Publication.objects.get()
    Publication.objects.filter(pk=publication.pk).update(state=State.MISSED)
    assert "scheduled" in stoa("publications", "publish-now", str(publication.pk))


def test_unknown_channel_and_past_time_are_clear_errors(admin, fake_network):
    stoa("workspace", "create", "W")
    with pytest.raises(CommandError, match="No channel 12345 in W"):
        stoa("post", "schedule", "w", "--channel", "12345", "--text", "x", "--at", "2030-01-01 10:00")
    from tests.conftest import mastodon_channel

    channel = mastodon_channel(Workspace.objects.get(), fake_network)
    with pytest.raises(CommandError, match="in the past"):
        stoa("post", "schedule", "w", "--channel", str(channel.pk), "--text", "x", "--at", "2001-01-01 10:00")


def test_someone_elses_workspace_is_not_found(admin, stranger):
    from stoa.workspaces.actions import create_workspace

    create_workspace(stranger, "Private")
    with pytest.raises(CommandError, match="No such workspace"):
        stoa("publications", "list", "private")


def test_channel_with_rejected_credentials_is_not_added(admin, fake_network):
    stoa("workspace", "create", "W")
    with pytest.raises(CommandError, match="credentials"):
        stoa("channel", "add", "w", "mastodon", "--config", f"instance_url={fake_network.url}",
             "--secret", "access_token=wrong")



def test_channel_listen_sets_the_brands_search_terms(owner, workspace, channel):
    out = stoa("channel", "--user", "olga", "listen", str(channel.pk), "--search", "Kafe Yafo", "--search", "קפה יפו")
    channel.refresh_from_db()
    assert channel.config["search_terms"] == ["Kafe Yafo", "קפה יפו"] and "Kafe Yafo" in out


def test_a_webhook_is_only_for_telegram(owner, workspace, channel):
    with pytest.raises(CommandError, match="Only Telegram"):
        stoa("channel", "--user", "olga", "listen", str(channel.pk), "--telegram-webhook")
