"""`stoa worker` paces the campaigns by itself (pace_campaigns, listed in stoa/runtime/schedule.py): a campaign that
overspends is alerted to the managers once, however many times the job runs."""

import sqlite3
import subprocess
import sys
import time

import pytest

from tests.core.helpers import worker_environment
from tests.runtime.test_workers import die_with_parent, stop_process

SETUP = """
from datetime import timedelta
from decimal import Decimal
from django.contrib.auth import get_user_model
from stoa import clock
from stoa.campaigns.actions import CampaignInput, plan_campaign
from stoa.campaigns.models import Result
from stoa.workspaces.actions import create_workspace

owner = get_user_model().objects.create_user("olga", "olga@example.com", "pw-olga-123")
workspace = create_workspace(owner, "Kafe Yafo", timezone="Asia/Jerusalem")
first = clock.now().date().replace(day=1)
campaign = plan_campaign(owner, workspace, CampaignInput(
    name="Shakshuka week", platform="meta", budget=Decimal("3000"), currency="ILS", starts_on=first,
    ends_on=first + timedelta(days=27)))
Result.objects.create(campaign=campaign, day=first, spend=Decimal("900"), imported_at=clock.now())
"""


@pytest.fixture
def worker_env(tmp_path) -> dict[str, str]:
    return worker_environment(tmp_path, STOA_SECRET_KEY="campaigns-test",
                              STOA_CAMPAIGN_SECONDS="1", STOA_INBOX_POLLING="0")


def alerts(database) -> list[tuple[str, str]]:
    with sqlite3.connect(database) as db:
        return db.execute("SELECT kind, message FROM workspaces_notification WHERE kind LIKE 'campaign_%'").fetchall()


def test_stoa_worker_alerts_an_overspending_campaign_once(worker_env, tmp_path):
    run = {"env": worker_env, "check": True, "timeout": 120}
    subprocess.run([sys.executable, "-m", "stoa.cli", "migrate", "--verbosity", "0"], **run)
    subprocess.run([sys.executable, "-c", "import django; django.setup(); exec(" + repr(SETUP) + ")"], **run)
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen([sys.executable, "-m", "stoa.cli", "worker", "--publishers", "1"], env=worker_env,
                                  stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                  preexec_fn=die_with_parent)
    try:
        deadline = time.monotonic() + 60
        while not alerts(tmp_path / "stoa.sqlite3") and time.monotonic() < deadline:
            time.sleep(0.3)
        time.sleep(3)  # the job runs every second: the alert must not come again
    finally:
        stop_process(worker)
    found = alerts(tmp_path / "stoa.sqlite3")
    assert [kind for kind, _ in found] == ["campaign_overspend"], log.read_text()[-3000:]
    assert "Shakshuka week overspends: 900.00 ILS spent" in found[0][1]
    assert "pace_campaigns every 1 s" in log.read_text()
