"""The optional classifier: an OpenAI-compatible endpoint on loopback, and the built-in one when it fails."""

import pytest

from stoa.inbox.actions import ingest
from stoa.inbox.endpoint_classifier import EndpointClassifier
from stoa.inbox.models import Item
from tests.inbox.test_ingest import message
from tests.local_http import JSONHandler, serving
from tests.providers.test_bluesky import closed_port_url


class ModelServer(JSONHandler):
    """Answers /v1/chat/completions as the OpenAI API documents its chat completion object."""

    content = '{"language": "el", "sentiment": "negative", "intent": "complaint"}'
    requests: list[dict] = []

    def do_POST(self):  # noqa: N802 - the http.server name
        body = self.read_json()
        ModelServer.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), **body})
        answer = {"id": "chatcmpl-1", "object": "chat.completion", "created": 1781000000, "model": body["model"],
                  "choices": [{"index": 0, "message": {"role": "assistant", "content": self.content},
                               "finish_reason": "stop"}],
                  "usage": {"prompt_tokens": 80, "completion_tokens": 20, "total_tokens": 100}}
        self.answer(200, answer)


@pytest.fixture
def model_server():
    ModelServer.requests = []
    ModelServer.content = '{"language": "el", "sentiment": "negative", "intent": "complaint"}'
    with serving(ModelServer) as url:
        yield url + "/v1"


def test_the_endpoint_labels_the_message(model_server):
    verdict = EndpointClassifier(model_server, "qwen-local", api_key="k-123").classify("Η παραγγελία άργησε")
    assert (verdict.language, verdict.sentiment, verdict.intent) == ("el", "negative", "complaint")
    sent = ModelServer.requests[0]
    assert sent["path"] == "/v1/chat/completions" and sent["model"] == "qwen-local" and sent["auth"] == "Bearer k-123"
    assert sent["messages"][-1] == {"role": "user", "content": "Η παραγγελία άργησε"} and sent["temperature"] == 0


@pytest.mark.parametrize("content", ['{"sentiment": "furious", "intent": "complaint"}', "not json at all", "{}"])
def test_an_answer_outside_the_labels_falls_back_to_the_builtin_classifier(model_server, content):
    ModelServer.content = content
    verdict = EndpointClassifier(model_server, "m").classify("ההזמנה שלי לא הגיעה, שירות גרוע")
    assert verdict.language == "he" and verdict.sentiment in ("negative", "neutral", "positive")


def test_an_endpoint_that_is_down_loses_no_message(workspace, settings):
    from tests.web.test_journey import bluesky_channel

    settings.STOA_CLASSIFIER_URL = closed_port_url() + "/v1"
    ingest(bluesky_channel(workspace), [message(1, "ההזמנה שלי לא הגיעה, שירות גרוע!!!")])
    item = Item.objects.get()
    assert item.language == "he" and item.intent  # labelled by the built-in classifier


def test_a_failed_endpoint_is_left_alone_for_a_while(model_server, monkeypatch):
    import stoa.inbox.endpoint_classifier as module

    down = EndpointClassifier(closed_port_url() + "/v1", "m")
    down.classify("first")
    calls = []
    monkeypatch.setattr(down, "ask", lambda text: calls.append(text))
    down.classify("second")
    assert calls == [] and module._resting[down.url] > 0
