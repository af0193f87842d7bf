"""What the analytics page shows for a scope: the figures of stoa.analytics.queries, their comparison with the
previous period, and their charts. Shared by the page, the API and (later) the PDF report."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from stoa.analytics import charts, queries
from stoa.analytics.queries import FOLLOWERS, IMPRESSIONS, KINDS, Scope
from stoa.planning.models import Weekday
from stoa.posts.models import ContentType
from stoa.providers.base import POST_METRICS
from stoa.providers.registry import PROVIDERS, get_provider_class

BASIS = {IMPRESSIONS: _("per impression"), FOLLOWERS: _("per follower at the time of the post"),
         "mixed": _("per impression where the network gives them, otherwise per follower"),
         "": _("no impressions or follower count to divide by")}
TOP = 5


def network_name(key: str) -> str:
    return get_provider_class(key).name if key in PROVIDERS else key


def post_row(post: dict) -> dict:
    """A post of the top or weakest posts as its row shows it: its rate's denominator in words, and its latest
    counts in the order of POST_METRICS (likes, reposts, replies, quotes, views; None where its network gives
    none) with its network's name to say so."""
    return post | {"basis_text": BASIS[post["basis"]], "network_name": network_name(post["post__channel__network"]),
                   "counts": [post[metric] for metric in POST_METRICS]}


def _label(key: str, value: Any) -> str:
    """A group's name as a person reads it."""
    if key == "kind":
        return str(KINDS.get(value, value))
    if key == "format":
        return str(queries.FORMATS.get(value, value))
    if key == "network":
        return network_name(value)
    if key == "selling":
        return str(dict(ContentType.choices).get(value, gettext("Not made in Stoa")))
    if key == "theme":
        return value or gettext("No theme")
    return str(value)


def breakdown(cells: list[dict], key: str) -> list[dict]:
    return [row | {"label": _label(key, row[key]), "basis_text": BASIS[row["basis"]]}
            for row in queries.rollup(cells, key)]


def change(now: float | int | None, before: float | int | None) -> float | None:
    """The difference with the previous period (None where either has no figure)."""
    return None if now is None or before is None else round(now - before, 2)


def growth_chart(scope: Scope, growth: list[dict]) -> str:
    days = scope.days()  # the period's days, not the day after its end
    by_channel: dict[str, dict] = {}
    for row in growth:
        by_channel.setdefault(row["channel__name"], {})[row["day"]] = row["net"]
    series = [charts.Series(name, [(day.strftime("%m-%d"), nets.get(day)) for day in days])
              for name, nets in by_channel.items()]
    return charts.line_chart(gettext("Net new followers per day"), series)


def negative_chart(by_day: list[dict]) -> str:
    series = [charts.Series(gettext("Negative share (%)"),
                            [(row["day"].strftime("%m-%d"), row["negative_share"]) for row in by_day])]
    return charts.line_chart(gettext("Negative share of inbox messages per day"), series)


def weekday_names() -> list[str]:
    return [str(label) for _value, label in Weekday.choices]


def heatmap_chart(scope: Scope, cells: list[dict]) -> str:
    rates = {key: row["rate"] for key, row in queries.heatmap(scope, cells).items()}
    return charts.heatmap_chart(gettext("Engagement rate by weekday and hour"), weekday_names(), rates)


def bars(title: str, rows: list[dict]) -> str:
    return charts.bar_chart(title, [(row["label"], row["rate"]) for row in rows], unit="%")


def figures(scope: Scope) -> dict[str, Any]:
    """Everything on the page for this scope: the engagement charts from one query (the cube), the others from
    one query each."""
    cells = queries.cube(scope)
    now, before = queries.totals(scope, cells), queries.totals(scope.previous())
    growth = queries.audience_growth(scope)
    net, net_before = queries.net_followers(growth), queries.net_followers(queries.audience_growth(scope.previous()))
    listed = queries.posts(scope)
    rated = [post for post in listed if post["rate"] is not None]
    losses = sorted((p for p in listed if (p["followers_change"] or 0) < 0), key=lambda p: p["followers_change"])
    by = {key: breakdown(cells, key) for key in ("kind", "format", "theme", "selling", "network", "weekday")}
    for row in by["weekday"]:
        row["label"] = weekday_names()[row["weekday"]]
    by_day = queries.negative_by_day(scope)
    return {
        "totals": now | {"basis_text": BASIS[now["basis"]]},
        "previous": before | {"basis_text": BASIS[before["basis"]]},
        "rate_change": change(now["rate"], before["rate"]),
        "posts_change": change(now["posts"], before["posts"]),
        "net_followers": net, "net_followers_change": change(net, net_before),
        "growth_chart": growth_chart(scope, growth),
        "breakdowns": [(gettext("By content type"), by["kind"]), (gettext("By format"), by["format"]),
                       (gettext("By plan theme"), by["theme"]), (gettext("Selling or informational"), by["selling"]),
                       (gettext("By network"), by["network"]), (gettext("By weekday"), by["weekday"])],
        "kind_chart": bars(gettext("Engagement rate by content type"), by["kind"]),
        "network_chart": bars(gettext("Engagement rate by network"), by["network"]),
        "heatmap": heatmap_chart(scope, cells),
        "top_posts": [post_row(p) for p in rated[:TOP]],
        "worst_posts": [post_row(p) for p in rated[::-1][:TOP]],
        "reach": [row | {"name": network_name(row["network"])} for row in queries.reach(scope, cells)],
        "negative_posts": queries.negative_by_post(scope)[:10],
        "follower_losses": losses[:TOP],
        "negative_chart": negative_chart(by_day),
        "negative_days": by_day,
        "clicks": queries.clicks(scope),
        "conversions": queries.conversions(scope),
    }
