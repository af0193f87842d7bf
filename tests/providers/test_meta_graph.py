"""The Graph API's shared part (stoa.providers.meta.graph): its errors mapped to what Stoa does, the access token kept
out of URLs and messages, and cursor paging, against answers shaped as Meta documents them (fixtures/meta)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from stoa.providers.base import ErrorKind, ProviderError
from stoa.providers.meta.graph import GRAPH_URL, GRAPH_VERSION, GraphAPI, GraphError, graph_base, graph_time

FIXTURES = Path(__file__).parent / "fixtures" / "meta"
TOKEN = "EAAGraphTestPageToken0123456789abcdefABCDEF"


def error_fixture(name: str) -> httpx.Response:
    case = json.loads((FIXTURES / "errors.json").read_text(encoding="utf-8"))["errors"][name]
    return httpx.Response(case["status"], json=case["body"], headers=case.get("headers", {}))


class GraphNetwork(GraphAPI):
    key = "graphtest"
    name = "Graph"


def network(handler: Any) -> GraphNetwork:
    return GraphNetwork({}, {}, http=httpx.Client(transport=httpx.MockTransport(handler)))


def failing_with(name: str, *, creating: bool = False) -> GraphError:
    with pytest.raises(GraphError) as raised:
        network(lambda request: error_fixture(name)).graph_call("POST" if creating else "GET", "123/feed",
                                                                 token=TOKEN, creating=creating)
    assert TOKEN not in str(raised.value)
    return raised.value


def test_the_version_is_pinned_in_one_place():
    assert GRAPH_VERSION.startswith("v") and float(GRAPH_VERSION[1:]) >= 23.0
    assert graph_base() == f"{GRAPH_URL}/{GRAPH_VERSION}"
    assert graph_base("https://graph.instagram.com/") == f"https://graph.instagram.com/{GRAPH_VERSION}"


def test_a_get_sends_the_token_in_a_header_never_in_the_url():
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"id": "123", "name": "Stoa Cafe"})

    body = network(answer).graph_call("GET", "/123", token=TOKEN, params={"fields": "id,name"})
    assert body == {"id": "123", "name": "Stoa Cafe"}
    request = seen[0]
    assert str(request.url) == f"https://graph.facebook.com/{GRAPH_VERSION}/123?fields=id%2Cname"
    assert request.headers["authorization"] == f"Bearer {TOKEN}" and TOKEN not in str(request.url)


def test_a_post_sends_the_token_in_the_form_body():
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        request.read()
        return httpx.Response(200, json={"id": "123_456"})

    network(answer).graph_call("POST", "123/feed", token=TOKEN, creating=True, data={"message": "שלום"})
    form = {name: values[0] for name, values in parse_qs(seen[0].content.decode()).items()}
    assert form == {"message": "שלום", "access_token": TOKEN}
    assert not seen[0].url.query and "authorization" not in seen[0].headers


def test_an_upload_sends_the_token_as_a_field_of_the_multipart_body():
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        request.read()
        return httpx.Response(200, json={"id": "1"})

    network(answer).graph_call("POST", "123/photos", token=TOKEN, data={"published": "false"},
                               files={"source": ("p.png", b"PNG", "image/png")})
    body = seen[0].content
    assert seen[0].headers["content-type"].startswith("multipart/form-data") and not seen[0].url.query
    assert b'name="access_token"' in body and TOKEN.encode() in body and b'filename="p.png"' in body


def test_an_error_keeps_its_http_status():
    assert failing_with("needs_permission").status == 403


@pytest.mark.parametrize("name, subcode", [("expired", 463), ("password_changed", 460), ("app_removed", 458),
                                           ("invalid_token", 0)])
def test_a_refused_token_means_connecting_again(name, subcode):
    error = failing_with(name)
    assert (error.kind, error.code, error.subcode, error.access_refused) == (ErrorKind.AUTHORIZATION, 190, subcode,
                                                                             True)
    assert "Connect the account again" in error.message


def test_the_subcode_says_why_the_token_was_refused():
    assert "password changed" in failing_with("password_changed").message
    assert "expired" in failing_with("expired").message


@pytest.mark.parametrize("name", ["app_rate_limit", "user_rate_limit"])
def test_rate_limits_without_an_estimate_wait_without_a_time(name):
    error = failing_with(name)
    assert (error.kind, error.retry_after) == (ErrorKind.RATE_LIMITED, None)


def test_the_business_use_case_header_says_how_long_to_wait():
    error = failing_with("pages_rate_limit")
    assert (error.kind, error.code, error.retry_after) == (ErrorKind.RATE_LIMITED, 80001, 19 * 60.0)


def test_a_rate_limit_makes_the_whole_budget_wait():
    waits: list[float | None] = []

    class Budget:
        def spend(self, costs: Any) -> None:
            pass

        def rate_limited(self, retry_after: float | None) -> None:
            waits.append(retry_after)

    graph = network(lambda request: error_fixture("pages_rate_limit"))
    graph.budget = Budget()
    with pytest.raises(ProviderError):
        graph.graph_call("GET", "123/feed", token=TOKEN)
    assert waits == [19 * 60.0]


def test_a_missing_permission_is_named_when_the_message_names_it():
    error = failing_with("needs_permission")
    assert (error.kind, error.missing_permission) == (ErrorKind.PERMISSION, "pages_read_engagement")
    generic = failing_with("permission_denied")
    assert (generic.kind, generic.missing_permission) == (ErrorKind.PERMISSION, "")


@pytest.mark.parametrize("name", ["unknown", "service"])
def test_a_temporary_error_is_transient_or_an_unknown_outcome_when_creating(name):
    assert failing_with(name).kind == ErrorKind.TRANSIENT
    assert failing_with(name, creating=True).kind == ErrorKind.UNKNOWN_OUTCOME


@pytest.mark.parametrize("name, code", [("policy_block", 368), ("invalid_parameter", 100), ("duplicate", 506),
                                        ("media_refused", 324), ("link_error", 1609005)])
def test_what_a_person_must_change_is_permanent(name, code):
    error = failing_with(name, creating=True)
    assert (error.kind, error.code) == (ErrorKind.PERMANENT, code)


def test_the_person_facing_message_and_the_trace_id_are_kept():
    error = failing_with("policy_block")
    assert "temporarily blocked" in error.message and "AbCdEfGi2" in error.message


def test_an_error_answered_with_http_200_is_still_an_error():
    with pytest.raises(GraphError) as raised:
        network(lambda request: httpx.Response(200, json=json.loads(error_fixture("expired").content))).graph_call(
            "GET", "me", token=TOKEN)
    assert raised.value.kind == ErrorKind.AUTHORIZATION


def test_the_token_never_appears_in_a_message_even_when_echoed():
    echoed = {"error": {"message": f"Malformed access token {TOKEN}", "type": "OAuthException", "code": 190}}
    with pytest.raises(GraphError) as raised:
        network(lambda request: httpx.Response(400, json=echoed)).graph_call("GET", "me", token=TOKEN)
    assert TOKEN not in str(raised.value) and TOKEN not in raised.value.message
    assert "<access token>" in raised.value.message


def test_an_answer_without_a_graph_error_is_read_as_any_http_error():
    error = pytest.raises(ProviderError, network(lambda request: httpx.Response(502, text="Bad gateway")).graph_call,
                          "POST", "123/feed", token=TOKEN, creating=True).value
    assert error.kind == ErrorKind.UNKNOWN_OUTCOME


def test_paging_follows_the_after_cursor_until_next_is_absent():
    asked: list[str | None] = []
    pages = {None: {"data": [{"id": "1"}, {"id": "2"}],
                    "paging": {"cursors": {"before": "QVFIUA", "after": "QVFIUB"},
                               "next": f"https://graph.facebook.com/{GRAPH_VERSION}/123/feed?after=QVFIUB"}},
             "QVFIUB": {"data": [{"id": "3"}], "paging": {"cursors": {"before": "QVFIUC", "after": "QVFIUD"}}}}

    def answer(request: httpx.Request) -> httpx.Response:
        after = request.url.params.get("after")
        asked.append(after)
        assert "access_token" not in request.url.params
        return httpx.Response(200, json=pages[after])

    items = list(network(answer).graph_pages("123/feed", token=TOKEN, params={"limit": 2}))
    assert [item["id"] for item in items] == ["1", "2", "3"] and asked == [None, "QVFIUB"]


def test_paging_stops_after_the_pages_asked_for():
    endless = {"data": [{"id": "1"}], "paging": {"cursors": {"after": "X"}, "next": "https://graph.facebook.com/x"}}
    items = list(network(lambda request: httpx.Response(200, json=endless)).graph_pages("1/feed", token=TOKEN,
                                                                                        pages=2))
    assert len(items) == 2


def test_graph_times_are_aware():
    moment = graph_time("2026-12-07T23:10:00+0000")
    assert moment is not None and moment.utcoffset() is not None and moment.hour == 23
    assert graph_time(None) is None and graph_time("yesterday") is None
