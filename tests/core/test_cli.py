"""The `stoa` command line, run as Django management commands."""

import argparse
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import CommandError

from stoa import cli
from stoa.channels.models import Channel
from stoa.posts.models import Publication, State
from stoa.workspaces.models import Workspace
from tests.providers.mastodon_peer import BRAND_TOKEN, FAN_TOKEN


@pytest.fixture
def admin(db):
    return get_user_model().objects.create_superuser("admin", "admin@example.com", "pw-admin-123")


def stoa(*args, **options) -> str:
    out = StringIO()
    call_command(*args, stdout=out, **options)
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
    with pytest.raises(CommandError, match="timezone: Mars/Base is not a timezone name such as Europe/Athens"):
        stoa("workspace", "create", "X", "--timezone", "Mars/Base")


def test_post_is_scheduled_to_several_channels_listed_and_cancelled(admin, fake_network):
    from tests.conftest import mastodon_channel

    stoa("workspace", "create", "Kafe Yafo", "--timezone", "Asia/Jerusalem")
    workspace = Workspace.objects.get()
    one, two = mastodon_channel(workspace, fake_network, 1), mastodon_channel(workspace, fake_network, 2)

    output = stoa("post", "schedule", "kafe-yafo", "--channel", str(one.pk), "--channel", str(two.pk),
                  "--text", "בוקר טוב", "--at", "2030-12-01 10:00")
    assert "scheduled for 2030-12-01 10:00 (Asia/Jerusalem, UTC+02:00)" in output

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


@pytest.mark.mastodon_peer
def test_channel_with_rejected_credentials_is_not_added(admin, mastodon_peer):
    stoa("workspace", "create", "W")
    with pytest.raises(CommandError, match="rejected the access token"):
        stoa("channel", "add", "w", "mastodon", "--config", f"instance_url={mastodon_peer.url}",
             "--secret", "access_token=wrong")
    assert not Channel.objects.exists()



def test_channel_listen_sets_the_brands_search_terms(owner, workspace, channel):
    out = stoa("channel", "--user", "olga", "listen", str(channel.pk), "--search", "Kafe Yafo", "--search", "קפה יפו")
    channel.refresh_from_db()
    assert channel.config["search_terms"] == ["Kafe Yafo", "קפה יפו"] and "Kafe Yafo" in out


def test_push_is_only_for_networks_that_push(owner, workspace, channel):
    with pytest.raises(CommandError, match="push messages through a channel's own address; Telegram and VK do"):
        stoa("channel", "--user", "olga", "listen", str(channel.pk), "--push")



# -- `stoa --help`: Stoa's commands, grouped; Django's under `stoa django` ----------------------------------


def run_main(capsys, *args) -> tuple[int, str, str]:
    """The console command in this process: its exit status, standard output and error."""
    try:
        cli.main(list(args))
        status = 0
    except SystemExit as e:
        status = e.code if isinstance(e.code, int) else 1
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def stoas_own_commands() -> dict[str, str]:
    return {name: app for name, app in get_commands().items() if app.startswith("stoa.")}


def test_help_lists_stoas_commands_in_groups_one_line_each(capsys):
    status, out, _ = run_main(capsys, "--help")
    assert status == 0
    for title in ("Run Stoa:", "Workspaces, people and channels:", "Posts:", "Maintenance:"):
        assert f"\n{title}\n" in out
    listed = [line.split()[0] for line in out.splitlines() if line.startswith("  ")]
    assert sorted(listed) == sorted(cli.COMMANDS) and len(listed) == len(set(listed))
    for internal in ("flush", "sqlflush", "squashmigrations", "startapp", "runserver", "inspectdb"):
        assert internal not in listed and f" {internal} " not in out
    assert run_main(capsys)[1] == out and run_main(capsys, "help")[1] == out


def test_every_command_of_stoa_is_in_the_help():
    assert set(stoas_own_commands()) <= cli.COMMANDS


def test_a_django_command_at_the_top_still_runs_and_says_where_it_belongs(capsys):
    status, out, err = run_main(capsys, "check")
    assert status == 0 and "System check identified no issues" in out
    assert err == "stoa: `check` is one of Django's commands; its place is `stoa django check`.\n"


def test_djangos_commands_are_reachable_under_stoa_django(capsys):
    import django

    assert run_main(capsys, "django", "version")[1].strip() == django.get_version()
    status, out, _ = run_main(capsys, "django", "help")
    assert status == 0 and "stoa django help <subcommand>" in out and "squashmigrations" in out


def test_a_misspelt_command_gets_a_suggestion(capsys):
    status, _, err = run_main(capsys, "chanel", "list", "w")
    assert status == 2 and "no command 'chanel'" in err and "Did you mean `stoa channel`?" in err


def test_help_for_one_command_shows_its_own_options_only(capsys):
    status, out, _ = run_main(capsys, "help", "channel")
    assert status == 0 and out.startswith("usage: stoa channel ")
    for hidden in ("--settings", "--pythonpath", "--traceback", "--no-color", "--verbosity"):
        assert hidden not in out


def walk(parser):
    """Every argument of a parser and of its subcommands, with the subcommand it belongs to."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                yield parser.prog, choice
            for sub in action.choices.values():
                yield from walk(sub)
        else:
            yield parser.prog, action


@pytest.mark.parametrize("name", sorted(stoas_own_commands()))
def test_every_option_of_every_command_says_what_it_does(name):
    command = load_command_class(stoas_own_commands()[name], name)
    parser = command.create_parser("stoa", name)
    assert command.help and len(command.help) < 120, f"stoa {name}: one line of help"
    silent = [f"{prog}: {'/'.join(action.option_strings) or action.dest}" for prog, action in walk(parser)
              if not action.help and not isinstance(action, argparse._HelpAction)]
    assert silent == []


# -- Secrets given as `-`: read from a pipe silently, asked for unseen at a terminal -----------------------


class Terminal(StringIO):
    def isatty(self) -> bool:
        return True


def refuse_getpass(monkeypatch) -> None:
    def fail(*_args, **_kwargs):
        raise AssertionError("getpass was used for a piped secret")

    monkeypatch.setattr("getpass.getpass", fail)


@pytest.mark.mastodon_peer
def test_a_piped_secret_is_read_from_standard_input_silently(admin, mastodon_peer, monkeypatch):
    refuse_getpass(monkeypatch)
    stoa("workspace", "create", "W")
    output = stoa("channel", "add", "w", "mastodon", "--config", f"instance_url={mastodon_peer.url}",
                  "--secret", "access_token=-", stdin=StringIO(f"{BRAND_TOKEN}\n"))
    assert "Connected channel" in output
    assert Channel.objects.get().credentials == {"access_token": BRAND_TOKEN}


@pytest.mark.mastodon_peer
def test_several_piped_secrets_are_read_one_line_each_in_order(admin, mastodon_peer, monkeypatch):
    refuse_getpass(monkeypatch)
    stoa("workspace", "create", "W")
    stoa("channel", "add", "w", "mastodon", "--secret", "instance_url=-", "--secret", "access_token=-",
         stdin=StringIO(f"{mastodon_peer.url}\r\n{FAN_TOKEN}\n"))
    channel = Channel.objects.get()
    # A server address given as a secret is still a setting: kept where the provider reads it.
    assert channel.config["instance_url"] == mastodon_peer.url and channel.credentials == {"access_token": FAN_TOKEN}


@pytest.mark.mastodon_peer
def test_a_secret_at_a_terminal_is_asked_for_unseen(admin, mastodon_peer, monkeypatch):
    asked = []
    monkeypatch.setattr("getpass.getpass", lambda prompt: asked.append(prompt) or BRAND_TOKEN)
    stoa("workspace", "create", "W")
    stoa("channel", "add", "w", "mastodon", "--config", f"instance_url={mastodon_peer.url}",
         "--secret", "access_token=-", stdin=Terminal())
    assert asked == ["access_token: "] and Channel.objects.get().credentials == {"access_token": BRAND_TOKEN}


@pytest.mark.mastodon_peer
def test_an_empty_pipe_is_a_clear_error(admin, mastodon_peer, monkeypatch):
    refuse_getpass(monkeypatch)
    stoa("workspace", "create", "W")
    with pytest.raises(CommandError, match="access_token=-: nothing to read on standard input"):
        stoa("channel", "add", "w", "mastodon", "--config", f"instance_url={mastodon_peer.url}",
             "--secret", "access_token=-", stdin=StringIO(""))


@pytest.mark.mastodon_peer
def test_a_missing_value_is_named_as_it_is_given_here(admin, mastodon_peer):
    stoa("workspace", "create", "W")
    with pytest.raises(CommandError, match=r"^--secret access_token=…: Required to connect Mastodon\.$"):
        stoa("channel", "add", "w", "mastodon", "--config", f"instance_url={mastodon_peer.url}")
    with pytest.raises(CommandError, match="^Mastodon rejected the access token"):
        stoa("channel", "add", "w", "mastodon", "--config", f"instance_url={mastodon_peer.url}",
             "--secret", "access_token=wrong")


@pytest.mark.mastodon_peer
def test_the_console_command_reads_a_piped_secret_without_a_warning(mastodon_peer, tmp_path):
    """The installed entry point in a process of its own, as `echo "$TOKEN" | stoa channel add ...` runs it."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "stoa.settings", "STOA_DATA_DIR": str(tmp_path),
           "DATABASE_URL": "", "STOA_TASKS": "sqlite"}

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "stoa.cli", *args], input=stdin, capture_output=True,
                              text=True, env=env, timeout=120)

    assert run("migrate").returncode == 0
    assert run("ensureadmin").returncode == 0 and run("workspace", "create", "W").returncode == 0
    done = run("channel", "add", "w", "mastodon", "--config", f"instance_url={mastodon_peer.url}",
               "--secret", "access_token=-", stdin=f"{BRAND_TOKEN}\n")
    assert done.returncode == 0, done.stderr
    assert "Connected channel 1" in done.stdout and done.stderr == ""


# -- --at: local or with an offset, to the second, as the API reads it -------------------------------------


def in_three_days(zone: str) -> datetime:
    """Noon and a half minute, local to `zone`, three days from now: never at a daylight-saving change."""
    return (datetime.now(ZoneInfo(zone)) + timedelta(days=3)).replace(hour=12, minute=0, second=30, microsecond=0)


@pytest.mark.parametrize("written", [
    lambda t: f"{t:%Y-%m-%d %H:%M:%S}",  # local to the workspace
    lambda t: t.astimezone(ZoneInfo("Asia/Kolkata")).isoformat(),  # +05:30
    lambda t: t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    lambda t: t.astimezone(UTC).strftime("%Y-%m-%dt%H:%M:%Sz"),
])
def test_at_takes_seconds_and_offsets(admin, fake_network, written):
    from tests.conftest import mastodon_channel

    stoa("workspace", "create", "W", "--timezone", "Asia/Jerusalem")
    channel = mastodon_channel(Workspace.objects.get(), fake_network)
    when = in_three_days("Asia/Jerusalem")
    output = stoa("post", "schedule", "w", "--channel", str(channel.pk), "--text", "x", "--at", written(when))
    assert Publication.objects.get().scheduled_at == when
    assert f"scheduled for {when:%Y-%m-%d} 12:00:30 (Asia/Jerusalem, UTC{when:%z}"[:-2] in output


def test_reschedule_takes_an_instant_and_says_the_local_time(admin, fake_network):
    from tests.conftest import mastodon_channel

    stoa("workspace", "create", "W", "--timezone", "Europe/Athens")
    channel = mastodon_channel(Workspace.objects.get(), fake_network)
    stoa("post", "schedule", "w", "--channel", str(channel.pk), "--text", "x", "--draft")
    when = in_three_days("Europe/Athens")
    publication = Publication.objects.get()
    output = stoa("publications", "reschedule", str(publication.pk), "--at", when.astimezone(UTC).isoformat())
    assert Publication.objects.get().scheduled_at == when
    assert f"is now scheduled for {when:%Y-%m-%d} 12:00:30 (Europe/Athens" in output


def test_an_unreadable_time_says_how_to_write_one(admin):
    stoa("workspace", "create", "W")
    with pytest.raises(CommandError, match="'next tuesday' is not a time; give the time: YYYY-MM-DD HH:MM"):
        stoa("post", "schedule", "w", "--channel", "1", "--text", "x", "--at", "next tuesday")


def test_more_alt_texts_than_files_is_refused(admin):
    stoa("workspace", "create", "W")
    with pytest.raises(CommandError, match="More --alt than --media"):
        stoa("post", "schedule", "w", "--channel", "1", "--text", "x", "--draft", "--alt", "a cup")


def test_user_can_be_given_after_the_subcommand(owner, workspace, channel):
    rows = json.loads(stoa("channel", "list", "kafe-yafo", "--json", "--user", "olga"))
    assert [r["id"] for r in rows] == [channel.pk]
