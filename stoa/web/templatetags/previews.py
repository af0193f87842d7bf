"""How a post's text looks on a network: links, @mentions and #hashtags marked, the rest escaped.

A preview shows a channel and a Draft from stoa.posts.drafts, the one the check validated and the
engine will publish; web/_preview.html is rendered with `channel` and `draft`."""

import regex
from django import template
from django.template.loader import select_template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from stoa.providers.base import Draft
from stoa.providers.vk import attachments as vk_attachments

register = template.Library()

# The word starts of Bluesky's and Mastodon's own apps: the start, after whitespace or "(" for links and mentions.
RICH = regex.compile(r"(?P<link>(?<![^\s(])https?://\S+)|(?P<mention>(?<![^\s(])@[\p{L}\p{N}_.@-]+)"
                     r"|(?P<tag>(?<!\S)[#＃][\p{L}\p{N}\p{M}_]+)", regex.IGNORECASE)
TRAILING = ".,;:!?\"')"


@register.filter
def rich_text(text: str) -> SafeString:
    out: list[str] = []
    position = 0
    for match in RICH.finditer(text or ""):
        word = match.group()
        if match.lastgroup != "tag":
            word = word.rstrip(TRAILING) if match.lastgroup == "mention" else _trim_link(word)
        if not word or word in ("@", "#"):
            continue
        out.append(escape(text[position:match.start()]))
        if match.lastgroup == "link":
            out.append(f'<a class="link" href="{escape(word)}" rel="noopener nofollow" target="_blank">'
                       f"{escape(_short_link(word))}</a>")
        else:
            out.append(f'<span class="{match.lastgroup}">{escape(word)}</span>')
        position = match.start() + len(word)
    out.append(escape((text or "")[position:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece above is escaped


def _trim_link(url: str) -> str:
    while url and (url[-1] in ".,;:!?\"'" or (url[-1] == ")" and url.count("(") < url.count(")"))):
        url = url[:-1]
    return url


def _short_link(url: str) -> str:
    """Shown as the networks show it: without the scheme, long paths cut."""
    shown = url.split("://", 1)[-1]
    return shown if len(shown) <= 32 else shown[:31] + "…"


@register.simple_tag
def visible_text(channel, draft: Draft) -> str:
    """The text readers will see (Telegram's markup applied), as the channel's network counts it."""
    return channel.provider().visible_text(draft)


@register.simple_tag
def preview_template(network: str) -> str:
    return select_template([f"web/previews/{network}.html", "web/previews/generic.html"]).template.name


@register.filter
def vk_poll_answers(draft: Draft) -> list[str]:
    """A VK poll's answers as VK will receive them."""
    return vk_attachments.answers(draft)
