"""The optional classifier: an OpenAI-compatible chat completions endpoint, such as a local model server.

POST <STOA_CLASSIFIER_URL>/chat/completions {model, messages, temperature, response_format} answers
{choices: [{message: {content}}]} (the OpenAI API's chat completion object, which local servers such as
llama.cpp's and vLLM's follow). Any failure or an answer outside the labels falls back to the built-in
classifier for that message, so the inbox never waits on it or loses a message to it.
"""

from __future__ import annotations

import json
import logging
import time

import httpx
from django.conf import settings

from stoa.inbox.classifier import INTENTS, LANGUAGES, SENTIMENTS, Classifier, Verdict, builtin
from stoa.providers.base import http_client

log = logging.getLogger("stoa.inbox")
REST_SECONDS = 60
_resting: dict[str, float] = {}  # endpoint -> until when it is not asked (monotonic clock)
INSTRUCTIONS = (
    "You label messages that people send to a brand on social media. Answer only with a JSON object "
    f'{{"language": one of {list(LANGUAGES)} (or another ISO 639-1 code), "sentiment": one of {list(SENTIMENTS)}, '
    f'"intent": one of {list(INTENTS)}}}. "lead" means purchase intent or a sales opportunity; "spam" also '
    "covers abuse. The message may be in any language and may be sarcastic."
)


class EndpointClassifier:
    def __init__(self, url: str, model: str, api_key: str = "", http: httpx.Client | None = None,
                 fallback: Classifier | None = None):
        self.url = url.rstrip("/") + "/chat/completions"
        self.model, self.api_key = model, api_key
        self.http = http or http_client(settings.STOA_CLASSIFIER_TIMEOUT_SECONDS)
        self.fallback = fallback or builtin()

    def classify(self, text: str) -> Verdict:
        if _resting.get(self.url, 0) > time.monotonic():
            return self.fallback.classify(text)
        try:
            return self.ask(text)
        except httpx.HTTPError as e:
            # Down or slow: leave it alone for a while, so a flood of messages does not wait on it.
            _resting[self.url] = time.monotonic() + REST_SECONDS
            log.warning("The classifier endpoint failed (%s); the built-in classifier answers for %d s.",
                        type(e).__name__, REST_SECONDS)
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            log.warning("The classifier endpoint answered outside the labels; the built-in classifier answered.")
        return self.fallback.classify(text)

    def ask(self, text: str) -> Verdict:
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        response = self.http.post(self.url, headers=headers, json={
            "model": self.model, "temperature": 0, "response_format": {"type": "json_object"},
            "messages": [{"role": "system", "content": INSTRUCTIONS}, {"role": "user", "content": text}]})
        response.raise_for_status()
        labels = json.loads(response.json()["choices"][0]["message"]["content"])
        if labels.get("sentiment") not in SENTIMENTS or labels.get("intent") not in INTENTS:
            raise ValueError("labels outside the lists")
        language = str(labels.get("language") or "")[:8] or self.fallback.language(text)
        return Verdict(language, labels["sentiment"], labels["intent"], 1.0)


def configured() -> Classifier | EndpointClassifier:
    """The endpoint when one is set in the settings, otherwise the built-in classifier."""
    if settings.STOA_CLASSIFIER_URL:
        return EndpointClassifier(settings.STOA_CLASSIFIER_URL, settings.STOA_CLASSIFIER_MODEL,
                                  settings.STOA_CLASSIFIER_API_KEY)
    return builtin()
