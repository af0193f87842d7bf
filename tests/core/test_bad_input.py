"""Bad input: text no database takes is refused where it comes in, naming the field, and every error of the
API has one shape."""

import os
import subprocess
import sys

import pytest
from django.core.cache import cache
from django.test import Client

from stoa.broken_text import broken_argument, broken_fields
from stoa.posts.models import Media, Post, Publication
from stoa.workspaces.models import ApiToken
from tests.core.helpers import image_bytes

SURROGATE_POST = '{"text": "bad \\ud800 x", "variants": [{"channel_id": %d}]}'


@pytest.fixture
def api(owner):
    _, token = ApiToken.issue(owner, "tests")
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def in_error_shape(response) -> list[dict]:
    """The body's errors, after checking it has the API's one error shape."""
    assert response["Content-Type"].startswith("application/json"), response.content
    body = response.json()
    assert list(body) == ["detail"] and body["detail"], body
    for error in body["detail"]:
        assert sorted(error) == ["field", "message"] and all(isinstance(v, str) and v for v in error.values())
    return body["detail"]


# -- The API: broken text ---------------------------------------------------------------------


def test_a_lone_surrogate_in_a_post_is_a_422_naming_the_field(api, workspace, channel):
    for path in ("posts", "posts/check"):
        response = api.post(f"/api/v1/workspaces/{workspace.pk}/{path}", SURROGATE_POST % channel.pk,
                            content_type="application/json")
        assert response.status_code == 422
        [error] = in_error_shape(response)
        assert error["field"] == "text" and "U+D800" in error["message"] and "Character 5" in error["message"]
    assert not Post.objects.exists()


@pytest.mark.parametrize("body, field", [
    ('{"text": "ok", "variants": [{"channel_id": %(c)d, "text": "x\\udfff"}]}', "variants.0.text"),
    ('{"text": "ok", "variants": [{"channel_id": %(c)d, "options": {"thread": ["a", "\\ud83d"]}}]}',
     "variants.0.options.thread.1"),
    ('{"text": "ok", "variants": [{"channel_id": %(c)d, "options": {"\\ud800": 1}}]}', "variants.0.options"),
    ('{"text": "nul \\u0000", "variants": [{"channel_id": %(c)d}]}', "text"),
    ('{"text": "ok", "tags": ["fine", "\\udc80"], "variants": [{"channel_id": %(c)d}]}', "tags.1"),
])
def test_broken_text_anywhere_in_a_body_is_named(api, workspace, channel, body, field):
    response = api.post(f"/api/v1/workspaces/{workspace.pk}/posts", body % {"c": channel.pk},
                        content_type="application/json")
    assert response.status_code == 422
    assert [e["field"] for e in in_error_shape(response)] == [field]


def test_a_whole_surrogate_pair_is_an_ordinary_character(api, workspace, channel):
    response = api.post(f"/api/v1/workspaces/{workspace.pk}/posts",
                        '{"text": "coffee \\ud83d\\ude00", "variants": [{"channel_id": ' + f"{channel.pk}}}]}}",
                        content_type="application/json")
    assert response.status_code == 201, response.content
    assert Publication.objects.get().variant.text == "coffee \U0001f600"


def test_broken_text_in_a_query_or_a_form_is_named(api, workspace):
    response = api.get("/api/v1/publications?state=%00")
    assert response.status_code == 422 and in_error_shape(response)[0]["field"] == "state"
    unnamed = api.get("/api/v1/publications?=%00")
    assert unnamed.status_code == 422 and in_error_shape(unnamed)[0]["field"] == "(unnamed parameter)"

    upload = api.post(f"/api/v1/workspaces/{workspace.pk}/media",
                      {"file": _png(), "alt_text": "a cup\x00"})
    assert upload.status_code == 422 and in_error_shape(upload)[0]["field"] == "alt_text"
    assert not Media.objects.exists()


def _png():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("cup.png", image_bytes(), content_type="image/png")


# -- The API: one error shape ---------------------------------------------------------------------


def test_malformed_json_is_a_400_in_the_error_shape(api, workspace):
    response = api.post(f"/api/v1/workspaces/{workspace.pk}/posts", '{"text": ', content_type="application/json")
    assert response.status_code == 400
    [error] = in_error_shape(response)
    assert error["field"] == "body" and "not valid JSON" in error["message"] and "column 10" in error["message"]

    not_utf8 = api.post(f"/api/v1/workspaces/{workspace.pk}/posts", b'{"text": "\xff"}',
                        content_type="application/json")
    assert not_utf8.status_code == 400 and in_error_shape(not_utf8)[0]["field"] == "body"


def test_a_missing_token_is_a_401_in_the_error_shape(client, db):
    response = client.get("/api/v1/workspaces")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Bearer"
    assert "stoa apitoken" in in_error_shape(response)[0]["message"]


def test_a_role_that_may_not_is_a_403_in_the_error_shape(workspace, member):
    _, token = ApiToken.issue(member("analyst"), "t")
    response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").post(
        f"/api/v1/workspaces/{workspace.pk}/posts", {"text": "x", "variants": [{"channel_id": 1}]},
        content_type="application/json")
    assert response.status_code == 403 and "Analyst" in in_error_shape(response)[0]["message"]


@pytest.mark.parametrize("path", ["/api/v1/workspaces/424242", "/api/v1/no-such-thing",
                                  "/api/v1/posts/99999999999999999999999"])
def test_what_is_not_there_is_a_404_in_the_error_shape(api, db, path):
    response = api.get(path)
    assert response.status_code == 404
    in_error_shape(response)


def test_a_method_an_address_does_not_take_is_a_405_with_allow(api, db):
    response = api.delete("/api/v1/workspaces")
    assert response.status_code == 405 and set(response["Allow"].split(", ")) == {"GET", "POST"}
    assert "DELETE is not allowed" in in_error_shape(response)[0]["message"]


def test_ninjas_validation_errors_name_the_field(api, workspace):
    response = api.post(f"/api/v1/workspaces/{workspace.pk}/media", {"alt_text": "no file"})
    assert response.status_code == 422 and in_error_shape(response)[0]["field"] == "file"
    response = api.get("/api/v1/inbox?workspace_id=seven")
    assert response.status_code == 422 and in_error_shape(response)[0]["field"] == "workspace_id"
    response = api.get("/api/v1/workspaces/x")
    assert response.status_code == 422 and in_error_shape(response)[0]["field"] == "workspace_id"
    response = api.post("/api/v1/workspaces", content_type="application/json")
    assert response.status_code == 422 and in_error_shape(response)[0]["field"] == "name"


def test_over_the_rate_limit_is_a_429_with_retry_after(api, db, settings):
    cache.clear()
    settings.STOA_API_RATE_LIMIT = "2/h"
    assert [api.get("/api/v1/workspaces").status_code for _ in range(2)] == [200, 200]
    response = api.get("/api/v1/workspaces")
    assert response.status_code == 429 and 0 < int(response["Retry-After"]) <= 3600
    assert "Too many requests" in in_error_shape(response)[0]["message"]
    settings.STOA_API_RATE_LIMIT = ""
    assert api.get("/api/v1/workspaces").status_code == 200


def test_a_bug_is_a_logged_500_in_the_error_shape(owner, monkeypatch, caplog):
    from stoa.workspaces import api as workspaces_api

    def broken(user):
        raise RuntimeError("a bug")

    monkeypatch.setattr(workspaces_api, "workspaces_for", broken)
    _, token = ApiToken.issue(owner, "t")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", raise_request_exception=False)
    response = client.get("/api/v1/workspaces")
    assert response.status_code == 500
    assert "a bug" not in in_error_shape(response)[0]["message"]  # no internals for the caller
    assert any(r.exc_info and "a bug" in str(r.exc_info[1]) for r in caplog.records)  # but all of it in the log


def test_a_request_django_refuses_is_a_400_in_the_error_shape(api, db):
    response = api.get("/api/v1/workspaces", HTTP_HOST="elsewhere.example")
    assert response.status_code == 400
    in_error_shape(response)


def test_the_openapi_schema_documents_the_error_shape_on_every_operation(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            for status in ("401", "404", "422"):
                assert status in operation["responses"], (method, path, status)


# -- The pages --------------------------------------------------------------------------------------


def test_a_page_form_with_a_nul_is_a_422_naming_the_field(client, owner, workspace):
    client.force_login(owner)
    response = client.post("/compose/", {"workspace": workspace.slug, "text": "hello\x00"})
    assert response.status_code == 422
    assert b"<code>text</code>" in response.content and b"NUL" in response.content
    assert not Post.objects.exists()
    assert client.get("/?workspace=%00").status_code == 422


def test_surrogate_bytes_in_a_form_arrive_as_replacement_characters(rf):
    """Why the pages need only refuse NUL: Django decodes forms and queries replacing what is not UTF-8."""
    request = rf.post("/", "text=%ED%A0%80", content_type="application/x-www-form-urlencoded")
    assert request.POST["text"] == "\ufffd\ufffd\ufffd"
    assert list(broken_fields(request.POST.dict())) == []


# -- The command line -----------------------------------------------------------------------------


def test_an_argument_that_is_not_utf8_is_refused_naming_its_option():
    assert broken_argument(["post", "schedule", "w", "--text", "caf\udce9"]).startswith(
        "--text: character 4 is byte 0xE9, which is not UTF-8")
    assert broken_argument(["post", "schedule", "--title=\udced\udca0\udc80"]).startswith("--title: character 1")
    assert broken_argument(["workspace", "create", "K\udcff"]).startswith("argument 3 (K\\xff): character 2")
    assert broken_argument(["workspace", "create", "Kafe Yafo", "--timezone", "Asia/Jerusalem"]) is None


def test_the_stoa_command_refuses_it_before_doing_anything(tmp_path):
    env = {**os.environ, "STOA_DATA_DIR": str(tmp_path), "STOA_SECRET_KEY": "x"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run([sys.executable, "-m", "stoa.cli", "workspace", "create", b"Caf\xe9"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip().startswith("stoa: argument 3 (Caf\\xe9): character 4 is byte 0xE9")
    assert not (tmp_path / "stoa.sqlite3").exists()


@pytest.mark.parametrize("typed", ["app\x00password\n", "app\udcffpassword\n"])
def test_a_secret_read_from_a_pipe_with_broken_text_is_refused(typed):
    import io

    from django.core.management.base import CommandError

    from stoa.commandline import read_secret

    with pytest.raises(CommandError, match="^app_password: Character 4 is"):
        read_secret("app_password", io.StringIO(typed))


# -- What a network sends -------------------------------------------------------------------------


def test_a_pushed_message_with_broken_text_is_kept_repaired(owner, workspace, settings, monkeypatch):
    import copy

    from stoa.channels.models import Channel
    from stoa.inbox.models import Item
    from tests.providers.test_telegram import TOKEN
    from tests.providers.test_telegram_inbox import UPDATES, enable, post_update

    settings.SITE_URL = "https://stoa.example"
    telegram = Channel(workspace=workspace, network="telegram", name="Stoa news",
                       config={"chat_id": "@stoa_news", "api_url": "https://api.telegram.org"})
    telegram.credentials = {"bot_token": TOKEN}
    telegram.save()
    enable(telegram, monkeypatch)
    update = copy.deepcopy(UPDATES[1])
    update["message"]["text"] = "half \ud83d of a pair, and a \x00"
    assert post_update(telegram, update, telegram.credentials["webhook_secret"]) == 200
    assert Item.objects.get().text == "half \ufffd of a pair, and a \ufffd"
