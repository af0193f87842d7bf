"""A workspace's settings are refused in the same words on the page, in the API and on the command line: each of
them reads its input through the workspace form (stoa/workspaces/forms.py)."""

import html

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from stoa.workspaces.models import ApiToken, Workspace

GOOD = {"name": "Kafe Yafo", "timezone": "Asia/Jerusalem", "language": "he"}
BAD = [
    ({"name": "   "}, "name", "A workspace needs a name."),
    ({"name": "x" * 201}, "name", "Ensure this value has at most 200 characters (it has 201)."),
    ({"timezone": "Mars/Olympus"}, "timezone",
     "Mars/Olympus is not a timezone name such as Europe/Athens or Asia/Jerusalem."),
    ({"language": "עברית"}, "language", "Give a language code such as en, he, ar, fa, el or ru."),
]


@pytest.mark.parametrize(("bad", "field", "words"), BAD, ids=["blank name", "long name", "timezone", "language"])
def test_a_new_workspace_is_refused_in_the_same_words_on_the_page_in_the_api_and_on_the_command_line(
        owner, client, bad, field, words):
    given = {**GOOD, **bad}
    client.force_login(owner)
    page = client.post("/workspaces/new/", given)
    assert page.status_code == 422 and words in html.unescape(page.content.decode())

    _, token = ApiToken.issue(owner, "tests")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}").post("/api/v1/workspaces", given,
                                                            content_type="application/json")
    assert api.status_code == 422 and api.json()["detail"] == [{"field": field, "message": words}]

    with pytest.raises(CommandError) as refused:
        call_command("workspace", "create", given["name"], "--timezone", given["timezone"],
                     "--language", given["language"], "--user", owner.username)
    assert str(refused.value) == f"{field}: {words}"
    assert not Workspace.objects.exists()


def test_the_settings_page_refuses_a_share_over_100_percent_and_keeps_the_workspace_as_it_was(owner, workspace,
                                                                                              client):
    client.force_login(owner)
    response = client.post(f"/workspaces/{workspace.slug}/settings/", {
        "name": "Renamed", "timezone": workspace.timezone, "language": workspace.language, "approval_flow": "none",
        "max_selling_percent": "150", "max_selling_in_a_row": "1"})
    assert response.status_code == 422
    assert "A share between 0 and 100 percent." in html.unescape(response.content.decode())
    workspace.refresh_from_db()
    assert workspace.name != "Renamed"


def test_a_name_with_spaces_around_it_is_kept_without_them(owner, client):
    client.force_login(owner)
    client.post("/workspaces/new/", {**GOOD, "name": "  Kafe Yafo  "})
    assert Workspace.objects.get().name == "Kafe Yafo"


def test_an_invitation_to_no_email_as_no_role_says_both_and_sends_nothing(owner, workspace, client, mailoutbox):
    client.force_login(owner)
    response = client.post("/team/invite/", {"workspace": workspace.slug, "email": "not an address",
                                             "role": "emperor"})
    assert response.status_code == 422
    page = html.unescape(response.content.decode())
    assert "This is not an email address." in page and "Choose a role from the list." in page
    assert not mailoutbox and not workspace.invitations.exists()
