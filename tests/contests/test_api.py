"""The contests' API: the same rules, entrants and steps as the pages, for scripts."""

from datetime import timedelta

import pytest
from django.test import Client

from stoa import clock
from stoa.contests import actions, draw
from stoa.contests.models import Contest
from stoa.workspaces.models import ApiToken
from tests.contests.conftest import seen


@pytest.fixture
def api(owner):
    _, token = ApiToken.issue(owner, "tests")
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def test_a_contest_is_made_through_the_api_with_its_seed_commitment(api, workspace, published):
    now = clock.now()
    response = api.post(f"/api/v1/workspaces/{workspace.pk}/contests", {
        "title": "Coffee", "publication_ids": [published.pk], "opens_at": (now - timedelta(days=1)).isoformat(),
        "closes_at": (now + timedelta(days=1)).isoformat(), "actions": ["reply", "like"], "winners": 2},
        content_type="application/json")

    assert response.status_code == 201, response.content
    body = response.json()
    contest = Contest.objects.get(pk=body["id"])
    assert body["seed_commitment"] == draw.commitment(contest.seed) and body["state"] == "open"
    assert api.get(f"/api/v1/workspaces/{workspace.pk}/contests").json()[0]["id"] == contest.pk


def test_refused_rules_come_back_in_the_api_s_error_shape(api, workspace, published):
    now = clock.now()
    response = api.post(f"/api/v1/workspaces/{workspace.pk}/contests", {
        "title": "Backwards", "publication_ids": [published.pk], "opens_at": now.isoformat(),
        "closes_at": (now - timedelta(days=1)).isoformat()}, content_type="application/json")

    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "closes_at"


def test_freeze_draw_and_the_file_that_verifies(api, make_contest):
    contest = make_contest(randomness="seed", winners=1)
    actions.record_entries(contest, [seen("2"), seen("3", "like")])

    frozen = api.post(f"/api/v1/contests/{contest.pk}/freeze").json()
    drawn = api.post(f"/api/v1/contests/{contest.pk}/draw").json()
    entries = api.get(f"/api/v1/contests/{contest.pk}/entries").json()
    document = api.get(f"/api/v1/contests/{contest.pk}/draw-file").json()

    assert drawn["state"] == "drawn" and drawn["winner_ids"] == ["2"]
    assert [(e["account_id"], e["reason"]) for e in entries] == [("2", "eligible"), ("3", "missing_action")]
    assert draw.verify(document, frozen["frozen_sha256"]).ok


def test_someone_outside_the_workspace_gets_a_404(make_contest, stranger):
    contest = make_contest()
    _, token = ApiToken.issue(stranger, "tests")

    assert Client(HTTP_AUTHORIZATION=f"Bearer {token}").get(f"/api/v1/contests/{contest.pk}").status_code == 404
