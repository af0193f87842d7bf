"""`stoa networks`: the networks Stoa ships, what each declares it can do, its limits, rate limits and metrics, for
people and for scripts, and the README's table of them, which must say the same."""

import json
import os
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

from django.core.management import call_command

from stoa.channels.management.commands.networks import media_limit, said, text_limit
from stoa.providers.capabilities import CAPABILITIES, ReadsMetrics, Searches
from stoa.providers.registry import NETWORKS, PROVIDERS, get_provider_class

README = Path(__file__).resolve().parents[2] / "README.md"


def stoa_networks(*args: str) -> str:
    out = StringIO()
    call_command("networks", *args, stdout=out)
    return out.getvalue()


def snake(name: str) -> str:
    """The test's own reading of a class name, so a mistake in the command's is not repeated here."""
    return "".join(f"_{c.lower()}" if c.isupper() and i else c.lower() for i, c in enumerate(name))


# The networks Stoa ships, in the order it lists them.
SHIPPED = ["bluesky", "mastodon", "telegram", "vk", "facebook", "instagram", "threads"]


def declared(key: str) -> list[str]:
    """What the network's provider class declares, in the order Stoa lists its capabilities."""
    return [snake(c.__name__) for c in CAPABILITIES if issubclass(get_provider_class(key), c)]


def by_key(networks: list[dict]) -> dict[str, dict]:
    return {network["key"]: network for network in networks}


def test_json_lists_exactly_the_shipped_networks_with_what_each_class_declares():
    networks = json.loads(stoa_networks("--json"))
    assert "oauthtest" in PROVIDERS  # the tests' extra network is registered, and still not listed
    assert [n["key"] for n in networks] == list(NETWORKS) == SHIPPED
    for network in networks:
        provider = get_provider_class(network["key"])
        assert list(network)[:4] == ["key", "name", "capabilities", "limits"]
        assert network["name"] == provider.name
        assert network["capabilities"] == declared(network["key"])
        assert network["rate_limits"] == [{"name": r.name, "limit": r.limit, "seconds": r.seconds}
                                          for r in provider.rate_limits]
        assert network["limits"]["media_types"] == sorted(provider.limits.media_types)
        if issubclass(provider, ReadsMetrics):
            assert network["metrics"] == {"post": list(provider.post_metrics),
                                          "pushed": list(provider.pushed_post_metrics),
                                          "account": list(provider.account_metrics), "note": provider.metrics_note}
    shipped = by_key(networks)
    assert "searches" in shipped["mastodon"]["capabilities"] and "searches" not in shipped["telegram"]["capabilities"]
    assert {"authorizes", "registers_apps", "streams"} <= set(shipped["mastodon"]["capabilities"])


def test_json_says_mastodons_500_graphemes_and_telegrams_20_messages_a_minute():
    shipped = by_key(json.loads(stoa_networks("--json")))
    assert shipped["mastodon"]["limits"] | {"media_types": []} == {
        "max_text": 500, "counts": "graphemes", "max_media": 4, "media_types": [], "max_media_bytes": 103_809_024,
        "max_caption": None}
    assert shipped["mastodon"]["limits_set_by_server"] is True and shipped["bluesky"]["limits_set_by_server"] is False
    assert shipped["telegram"]["limits"]["max_caption"] == 1024
    assert shipped["telegram"]["rate_limits"] == [{"name": "messages", "limit": 20, "seconds": 60}]
    assert shipped["telegram"]["metrics"]["pushed"] == ["likes"] and shipped["telegram"]["metrics"]["post"] == []


def test_people_read_one_block_per_network_with_what_it_can_and_cannot_do():
    output = stoa_networks()
    blocks = output.strip().split("\n\n")
    assert [b.splitlines()[0] for b in blocks] == [f"{get_provider_class(key).name} ({key})" for key in SHIPPED]
    telegram = blocks[2]
    cannot = re.search(r"^  cannot +(.*(?:\n {15}.*)*)", telegram, re.M)
    assert cannot and "search" in re.split(r",\s+", cannot.group(1))
    can = re.search(r"^  can +(.*)", telegram, re.M)
    assert can and "search" not in can.group(1) and "receive pushed messages" in can.group(1)
    assert "  text         4,096 code points; 1,024 with media\n" in telegram
    assert "  rate limits  20 messages every minute\n" in telegram
    assert "300 requests every 5 minutes" in blocks[1] and "500 graphemes" in blocks[1]
    assert "post: likes (sent unasked); not reposts, replies, quotes, views" in telegram
    assert "oauthtest" not in output.lower()
    for line in output.splitlines():  # aligned: every value starts in one column, no line runs on
        assert len(line) <= 100 and (not line.startswith("  ") or line[15] != " " and line[14] == " ")


def test_the_console_command_answers_before_any_database_exists(tmp_path):
    """The installed entry point in a process of its own, on a fresh data directory where nothing was migrated,
    with a test network added by the environment: it lists the shipped networks only."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "stoa.settings", "STOA_DATA_DIR": str(tmp_path),
           "DATABASE_URL": "", "STOA_TASKS": "sqlite",
           "STOA_EXTRA_PROVIDERS": "oauthtest=stoa.testing.oauth_network.OAuthTestProvider"}
    done = subprocess.run([sys.executable, "-m", "stoa.cli", "networks", "--json"], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    networks = json.loads(done.stdout)
    assert [(n["key"], n["capabilities"]) for n in networks] == [(key, declared(key)) for key in NETWORKS]
    assert not (tmp_path / "stoa.sqlite3").exists()  # it never opened the database


def readme_table() -> list[list[str]]:
    """The rows of the table under README's "## Networks", each as its cells."""
    section = README.read_text(encoding="utf-8").split("\n## Networks\n", 1)[1].split("\n## ", 1)[0]
    rows = [line.strip("|").split("|") for line in section.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row] for row in rows[2:]]  # after the header and its rule


def test_the_readmes_table_says_what_stoa_networks_json_says():
    networks = json.loads(stoa_networks("--json"))
    rows = readme_table()
    assert [row[0] for row in rows] == [n["name"] for n in networks]
    for row, network in zip(rows, networks, strict=True):
        name, text, media, can = row
        assert text == text_limit(network), name
        assert media == media_limit(network["limits"]), name
        assert can.split(", ") == [said(c) for c in network["capabilities"]], name


def test_every_capability_is_said_in_words_of_its_own():
    words = [said(snake(c.__name__)) for c in CAPABILITIES]
    assert len(set(words)) == len(words) and said("searches") == "search" and Searches in CAPABILITIES
