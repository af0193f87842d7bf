"""Stoa's own short links: made once per link and publication, when the publication is sent.

The publishing engine may build a publication's Draft several times (a retry, a reconcile after an unknown
outcome); each time it finds the short links made the first time, so the text sent, and the text reconcile looks
for, stay the same, and a link never has two codes in one publication. The unique (publication, link) constraint
settles two workers racing for the same link."""

import hashlib
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction

from stoa import clock
from stoa.links.models import ShortLink
from stoa.site_url import site_url

CODE_ALPHABET = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/l/I to misread
CODE_LENGTH = 8  # 57**8, about 10**14: a code is not guessed
PREVIEW_CODE = "x" * CODE_LENGTH  # in a preview, before the publication is sent; the same length as a real code


def base_url() -> str:
    return settings.STOA_SHORT_LINK_BASE_URL or site_url()


def short_url(code: str) -> str:
    return f"{base_url()}/l/{code}"


def is_short_link(url: str) -> bool:
    return url.startswith(base_url() + "/l/")


def url_hash(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


def existing_short_links(publication_id: int) -> dict[str, str]:
    """The short URL of each link a publication was sent with, by the link as written."""
    return {url: short_url(code) for url, code in
            ShortLink.objects.filter(publication_id=publication_id).values_list("url", "code")}


def short_link_for(*, workspace_id: int, publication_id: int, channel_id: int, network: str, url: str,
                   target: str) -> str:
    """The short URL of `url` in this publication, made the first time it is asked for (leading to `target`)."""
    digest = url_hash(url)
    for _try in range(5):
        found = ShortLink.objects.filter(publication_id=publication_id, url_hash=digest).values_list("code", flat=True)
        if code := found.first():
            return short_url(code)
        try:
            with transaction.atomic():
                link = ShortLink.objects.create(
                    workspace_id=workspace_id, publication_id=publication_id, channel_id=channel_id, network=network,
                    code=new_code(), url=url, url_hash=digest, target=target, created_at=clock.now())
            return short_url(link.code)
        except IntegrityError:
            continue  # another worker made it first (found on the next turn), or the code was taken: a new one
    raise RuntimeError(f"Could not make a short link for publication {publication_id}.")


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
