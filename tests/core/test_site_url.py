"""The links Stoa sends follow the address it is served at: `stoa run --port 8123` sends links to :8123, also from
a worker in another process, and a STOA_SITE_URL that misses the server is said at start."""

import logging
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core import mail

from stoa.runtime.serving import listening
from stoa.site_url import mismatch, site_url
from stoa.workspaces.actions import notify
from stoa.workspaces.mail import email_notifications
from stoa.workspaces.team import invite

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def data_dir(settings, tmp_path):
    """A data directory of this test's own, and no STOA_SITE_URL."""
    settings.DATA_DIR = tmp_path
    settings.SITE_URL = ""
    return tmp_path


@pytest.fixture
def serving(data_dir, monkeypatch):
    """What `stoa run --port N` / `stoa web --port N` do once the web server listens; returns its address. (The
    server itself is left out: links do not depend on it, and a real one would set Django up again.)"""

    def start(host: str = "127.0.0.1", port: int = 8123) -> str:
        monkeypatch.setattr("stoa.runtime.serving.start_web",
                            lambda *args: SimpleNamespace(effective_port=port, close=lambda: None))
        _server, url = listening(host, port)
        return url.rstrip("/")

    return start


def test_without_a_server_or_setting_links_go_to_the_default_address(data_dir):
    assert site_url() == "http://127.0.0.1:8000"


def test_invitation_links_use_the_port_stoa_runs_on(serving, owner, workspace, django_capture_on_commit_callbacks):
    url = serving(port=8123)
    assert url == "http://127.0.0.1:8123" and site_url() == url
    with django_capture_on_commit_callbacks(execute=True):
        _invitation, token = invite(owner, workspace, "noa@example.com", "analyst")
    assert f"{url}/invitations/{token}/" in mail.outbox[0].body


def test_client_links_use_the_port_stoa_runs_on(serving, owner, workspace, channel):
    from stoa.approvals import actions
    from tests.approvals.test_flow import draft

    url = serving()
    workspace.approval_flow = "client"
    workspace.save()
    post = draft(owner, workspace, channel)
    actions.send_for_review(owner, post)
    actions.approve(owner, post)
    _link, token = actions.create_approval_link(owner, workspace, [post], "Dana")
    assert actions.approval_url(token) == f"{url}/approve/{token}/"


def test_notification_emails_built_by_the_task_use_the_port_stoa_runs_on(serving, owner, workspace):
    url = serving()
    [notification] = notify(workspace.pk, "test", "A post failed", link="/posts/1/", to=[owner])
    mail.outbox.clear()
    assert email_notifications.call_local([notification.pk]) == 1
    assert f"{url}/posts/1/" in mail.outbox[0].body


def test_a_worker_in_another_process_builds_links_to_the_address_the_web_server_listens_on(serving, data_dir):
    url = serving()
    env = {k: v for k, v in os.environ.items() if k != "STOA_SITE_URL"}
    env.update(STOA_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="tests.settings")
    worker = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from stoa.site_url import site_url; print(site_url())"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert worker.returncode == 0, worker.stderr
    assert worker.stdout.strip() == url


def test_a_configured_site_url_wins_and_a_matching_one_is_not_warned_about(serving, settings, caplog):
    settings.SITE_URL = "http://localhost:8000"  # the server below listens on another port
    with caplog.at_level(logging.INFO, logger="stoa"):
        url = serving()
    assert site_url() == "http://localhost:8000"
    [warning] = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "STOA_SITE_URL is http://localhost:8000" in warning and f"listens on {url}/" in warning

    port = url.rsplit(":", 1)[1]
    assert mismatch(f"http://localhost:{port}", "127.0.0.1", f"{url}/") == ""
    assert mismatch(f"https://127.0.0.1:{port}", "127.0.0.1", f"{url}/")  # Stoa serves plain HTTP
    assert mismatch("http://[::1]:8000", "::1", "http://[::1]:8123/")
    assert mismatch("https://stoa.example.com", "127.0.0.1", f"{url}/") == ""  # a proxy in front: only noted


def test_listening_on_every_interface_without_a_site_url_is_warned_about(serving, caplog):
    with caplog.at_level(logging.WARNING, logger="stoa"):
        serving(host="0.0.0.0")
    assert any("STOA_SITE_URL" in r.getMessage() for r in caplog.records)
