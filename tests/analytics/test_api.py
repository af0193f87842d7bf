"""The analytics API: the same figures as the page, read-only except the targets, nothing across workspaces."""

from __future__ import annotations

import time_machine
from django.test import Client

from stoa.workspaces.models import ApiToken
from tests.analytics.dataset import WEEK_END, small_dataset


def api(user) -> Client:
    _, token = ApiToken.issue(user, "tests")
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


@time_machine.travel(WEEK_END, tick=False)
def test_the_weeks_figures_beside_the_previous_week(owner, workspace):
    small_dataset(workspace)
    body = api(owner).get(f"/api/v1/workspaces/{workspace.pk}/analytics", {"days": 7}).json()
    assert body["current"] == {"posts": 3, "interactions": 22, "denominator": 1210, "rate": 1.82, "basis": "mixed"}
    assert body["previous"] == {"posts": 1, "interactions": 2, "denominator": 950, "rate": 0.21,
                                "basis": "followers"}
    assert body["reach"] == {"mastodon": None, "telegram": 200}
    assert (body["net_followers"], body["clicks"], body["conversions"], body["roi"]) == (5, None, None, None)
    kinds = api(owner).get(f"/api/v1/workspaces/{workspace.pk}/analytics/by/kind", {"days": 7}).json()
    assert {row["key"]: row["rate"] for row in kinds} == {"photo": 1.88, "poll": 1.5, "elsewhere": None}


@time_machine.travel(WEEK_END, tick=False)
def test_an_analyst_reads_kpis_but_only_an_owner_sets_targets_and_strangers_see_nothing(
        owner, stranger, workspace, member):
    small_dataset(workspace)
    url = f"/api/v1/workspaces/{workspace.pk}/analytics/kpis"
    analyst = api(member("analyst"))
    assert analyst.put(url, {"targets": {"engagement_rate": "1"}}, content_type="application/json").status_code == 403
    answer = api(owner).put(url, {"targets": {"engagement_rate": "1"}}, content_type="application/json")
    assert answer.status_code == 200
    statuses = {row["kpi"]: row["status"] for row in analyst.get(url).json()}
    assert statuses["engagement_rate"] == "on_track" and statuses["clicks"] == "no_data"
    assert api(stranger).get(url).status_code == 404
    assert api(stranger).get(f"/api/v1/workspaces/{workspace.pk}/analytics").status_code == 404
