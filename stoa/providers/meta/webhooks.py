"""Meta's webhooks (Facebook Pages, Instagram, Threads), as https://developers.facebook.com/docs/graph-api/webhooks/
getting-started describes them: one callback address per app and product, set in the app's dashboard.

- Setting it up, Meta checks the address with GET ?hub.mode=subscribe&hub.verify_token=<the token entered in the
  dashboard>&hub.challenge=<a number>, and expects hub.challenge back.
- Each event notification is a POST whose body is signed with the app secret: the header X-Hub-Signature-256 is
  "sha256=" followed by the HMAC-SHA256 of the exact payload, in hex.

A provider declaring ReceivesAppPush takes these two from MetaWebhooks and says itself how a call splits by account.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

SIGNATURE_HEADER = "X-Hub-Signature-256"


def signature(body: bytes, app_secret: str) -> str:
    """The header's value for this body, as Meta computes it."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


class MetaWebhooks:
    """ReceivesAppPush's checks, as Meta's webhooks make them."""

    @classmethod
    def signature_valid(cls, headers: Mapping[str, str], body: bytes, app_secret: str) -> bool:
        given = next((value for name, value in headers.items() if name.lower() == SIGNATURE_HEADER.lower()), "")
        return bool(app_secret) and hmac.compare_digest(given.encode(), signature(body, app_secret).encode())

    @classmethod
    def subscription_challenge(cls, query: Mapping[str, str], verify_token: str) -> str | None:
        token = query.get("hub.verify_token", "")
        if query.get("hub.mode") != "subscribe" or not verify_token or not hmac.compare_digest(
                token.encode(), verify_token.encode()):
            return None
        return query.get("hub.challenge") or None
