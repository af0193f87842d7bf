"""`stoa worker` paces the campaigns by itself (pace_campaigns, listed in stoa/runtime/schedule.py): a campaign that
overspends is alerted to the managers once, however many times the job runs."""

import sqlite3

import pytest

from tests.core.helpers import prepare_data_dir, run_worker_until, worker_environment

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
    prepare_data_dir(worker_env, SETUP)
    # The job runs every second: after the first alert, three more seconds show it does not come again.
    log = run_worker_until(worker_env, tmp_path / "worker.log", lambda: bool(alerts(tmp_path / "stoa.sqlite3")),
                           then=3)
    found = alerts(tmp_path / "stoa.sqlite3")
    assert [kind for kind, _ in found] == ["campaign_overspend"], log[-3000:]
    assert "Shakshuka week overspends: 900.00 ILS spent" in found[0][1]
    assert "pace_campaigns every 1 s" in log
