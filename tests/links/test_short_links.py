"""Stoa's short links: made once per link and publication however often the engine builds the Draft, followed
through /l/<code> with people's clicks counted and crawlers' not, and nothing else redirected."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from stoa import clock
from stoa.links.actions import update_link_settings
from stoa.links.clicklog import fold_clicks, log_dir, write_down
from stoa.links.models import Click, ClickLogPosition, ShortLink
from stoa.links.shortening import CODE_LENGTH, short_url
from stoa.posts.drafts import draft_for, draft_to_send
from stoa.posts.models import Publication, State
from stoa.workspaces.models import ApiToken
from tests.conftest import mastodon_channel
from tests.core.helpers import drain, make_due, reload, schedule

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
TEXT = "התפריט החדש: https://kafe.example/menu?lang=he. Again: https://kafe.example/menu?lang=he and https://b.example/"


@pytest.fixture
def short_links_on(owner, workspace):
    return update_link_settings(owner, workspace, utm_enabled=True, short_links_enabled=True)


def reconcile_now(publication) -> None:
    Publication.objects.filter(pk=publication.pk).update(reconcile_at=clock.now())


def clicks() -> list[Click]:
    """The clicks counted, once the click log is folded into the database as the periodic job does."""
    fold_clicks()
    return list(Click.objects.all())


def codes_in(text: str) -> list[str]:
    return [word.split("/l/")[1][:CODE_LENGTH] for word in text.split() if "/l/" in word]


def test_published_links_are_short_links_to_the_tagged_address(owner, workspace, channel, fake_network,
                                                                short_links_on):
    [publication] = schedule(owner, workspace, [channel], text=TEXT)
    make_due(publication)
    drain()

    assert reload(publication).state == State.PUBLISHED
    [status] = fake_network.statuses.values()
    first, again, other = codes_in(status.text)
    assert first == again != other  # the same link twice in a post: one short link
    assert status.text.startswith(f"התפריט החדש: {short_url(first)}. Again: {short_url(first)} and ")
    link = ShortLink.objects.get(code=first)
    assert link.target == "https://kafe.example/menu?lang=he&utm_source=mastodon&utm_medium=social"  # no campaign
    assert (link.publication_id, link.channel_id, link.network) == (publication.pk, channel.pk, "mastodon")


def test_short_links_are_made_once_across_the_engines_retries_and_reconcile(owner, workspace, channel, fake_network,
                                                                             short_links_on):
    [publication] = schedule(owner, workspace, [channel], text=TEXT)
    channel.config["instance_url"] = "http://127.0.0.1:9"  # unreachable: tried again later, with a new Draft
    channel.save()
    make_due(publication)
    drain()
    assert reload(publication).state == State.SCHEDULED
    made = set(ShortLink.objects.values_list("url", "code"))

    channel.config["instance_url"] = fake_network.url
    channel.save()
    make_due(publication)
    fake_network.inject("drop_after_create")  # sent, but the answer is lost: reconciled with yet another Draft
    drain()
    publication = reload(publication)
    assert publication.state == State.UNKNOWN, publication.last_error
    reconcile_now(publication)
    drain()

    assert reload(publication).state == State.PUBLISHED
    assert len(fake_network.statuses) == 1
    assert set(ShortLink.objects.values_list("url", "code")) == made and len(made) == 2
    assert draft_to_send(publication).text == next(iter(fake_network.statuses.values())).text


def test_a_preview_shows_the_short_links_once_made_and_a_stand_in_of_their_length_before(
        owner, workspace, channel, fake_network, short_links_on):
    [publication] = schedule(owner, workspace, [channel], text=TEXT)
    before = draft_for(publication.variant).text
    assert ShortLink.objects.count() == 0  # a preview makes none
    make_due(publication)
    drain()
    after = draft_for(reload(publication).variant).text
    assert after == next(iter(fake_network.statuses.values())).text
    assert len(before) == len(after)


def test_the_same_link_in_two_publications_gets_a_short_link_each(owner, workspace, fake_network, short_links_on):
    first, second = mastodon_channel(workspace, fake_network, 1), mastodon_channel(workspace, fake_network, 2)
    publications = schedule(owner, workspace, [first, second], text="https://kafe.example/menu")
    make_due(*publications)
    drain()
    links = ShortLink.objects.order_by("publication_id")
    assert [link.publication_id for link in links] == [p.pk for p in publications]
    assert [link.channel.name for link in links] == ["Mastodon 1", "Mastodon 2"]


@pytest.fixture
def link(owner, workspace, channel, fake_network, short_links_on) -> ShortLink:
    [publication] = schedule(owner, workspace, [channel], text="https://kafe.example/menu")
    make_due(publication)
    drain()
    return ShortLink.objects.get()


def test_following_a_short_link_redirects_and_counts_the_click(client, link):
    response = client.get(f"/l/{link.code}", HTTP_USER_AGENT=BROWSER, HTTP_REFERER="https://mastodon.example/@kafe",
                          REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 302
    assert response["Location"] == link.target
    assert response["Cache-Control"] == "no-store"
    [click] = clicks()
    assert (click.link, click.referrer) == (link, "https://mastodon.example/@kafe")
    assert "203.0.113.7" not in click.visitor and len(click.visitor) == 32  # a salted hash, not the address


@pytest.mark.parametrize("user_agent", [
    "Twitterbot/1.0",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "TelegramBot (like TwitterBot)",
    "http.rb/5.1.1 (Mastodon/4.3.2; +https://mastodon.social/) Bot",
    "Mastodon/4.3.2 (http.rb/5.2.0; +https://social.example/)",
    "Mozilla/5.0 (compatible; Bluesky Cardyb/1.1; +mailto:support@bsky.app)",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "WhatsApp/2.23.20.0",
    "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Some-Link-Preview/1.0", "MyCrawler", "spider", "",
])
def test_crawlers_and_link_preview_fetchers_are_redirected_but_not_counted(client, link, user_agent):
    response = client.get(f"/l/{link.code}", HTTP_USER_AGENT=user_agent)
    assert (response.status_code, response["Location"]) == (302, link.target)
    assert clicks() == []


def test_a_phone_named_cubot_is_a_person(client, link):
    client.get(f"/l/{link.code}", HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 9; CUBOT X20) Mobile Safari/537.36")
    assert len(clicks()) == 1


def test_a_head_request_is_answered_but_not_counted(client, link):
    assert client.head(f"/l/{link.code}", HTTP_USER_AGENT=BROWSER).status_code == 302
    assert clicks() == []


@pytest.mark.parametrize("path", ["/l/abcdefgh", "/l/xxxxxxxx", "/l/https://evil.example/",
                                  "/l/https%3A%2F%2Fevil.example", "/l/", "/l/%2F%2Fevil.example"])
def test_only_links_stoa_made_redirect(client, link, path):
    response = client.get(path, HTTP_USER_AGENT=BROWSER)
    assert response.status_code == 404
    assert "Location" not in response
    assert clicks() == []


def test_the_redirect_ignores_what_the_request_says_about_where_to_go(client, link):
    response = client.get(f"/l/{link.code}?next=https://evil.example/&url=//evil.example", HTTP_USER_AGENT=BROWSER)
    assert response["Location"] == link.target


def test_a_workspace_sees_only_its_own_links_on_its_page_and_in_the_api(client, owner, stranger, other_workspace,
                                                                        fake_network, link):
    theirs = mastodon_channel(other_workspace, fake_network, 3)
    update_link_settings(stranger, other_workspace, short_links_enabled=True, utm_medium="mail")
    [publication] = schedule(stranger, other_workspace, [theirs], text="https://bakery.example/bread")
    make_due(publication)
    drain()
    their_link = ShortLink.objects.get(workspace=other_workspace)

    client.force_login(owner)
    page = client.get(f"/links/?workspace={other_workspace.slug}").content.decode()  # not theirs to ask for
    assert link.code in page and their_link.code not in page
    _, token = ApiToken.issue(owner, "tests")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    workspace_id = link.workspace_id
    assert [row["code"] for row in api.get(f"/api/v1/workspaces/{workspace_id}/links").json()] == [link.code]
    assert api.get(f"/api/v1/workspaces/{other_workspace.pk}/links").status_code == 404
    assert api.get(f"/api/v1/workspaces/{other_workspace.pk}/links/settings").status_code == 404
    assert api.patch(f"/api/v1/workspaces/{other_workspace.pk}/links/settings", {"utm_medium": "x"},
                     content_type="application/json").status_code == 404
    assert api.get(f"/api/v1/workspaces/{workspace_id}/links/settings").json()["utm_medium"] == "social"


def test_owners_change_the_settings_on_the_page_with_its_form(client, owner, workspace):
    client.force_login(owner)
    page = client.get(f"/links/?workspace={workspace.slug}")
    assert page.status_code == 200 and "csrfmiddlewaretoken" in page.content.decode()
    response = client.post(f"/links/?workspace={workspace.slug}", {
        "utm_enabled": "on", "utm_source": "{network}", "utm_medium": "social", "utm_campaign": "{campaign}",
        "utm_content": "", "utm_term": "", "short_links_enabled": "on"})
    assert response.status_code == 302
    assert workspace.link_settings.short_links_enabled and workspace.link_settings.utm_enabled


def test_a_template_with_an_unknown_placeholder_is_refused_by_the_page_and_the_api(client, owner, workspace):
    client.force_login(owner)
    response = client.post(f"/links/?workspace={workspace.slug}", {"utm_source": "{netwrok}", "utm_medium": "x"})
    assert response.status_code == 422 and "{netwrok}" in response.content.decode()
    _, token = ApiToken.issue(owner, "tests")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    answer = api.patch(f"/api/v1/workspaces/{workspace.pk}/links/settings", {"utm_campaign": "{campain}"},
                       content_type="application/json")
    assert answer.status_code == 422 and "{campain}" in answer.content.decode()
    assert not hasattr(workspace, "link_settings") or workspace.link_settings.utm_campaign == "{campaign}"


def test_an_analyst_reads_the_settings_but_may_not_change_them(client, member, workspace):
    analyst = member("analyst")
    client.force_login(analyst)
    assert client.get(f"/links/?workspace={workspace.slug}").status_code == 200
    assert client.post(f"/links/?workspace={workspace.slug}", {"short_links_enabled": "on"}).status_code == 403


def test_a_click_is_on_disk_before_the_redirect_answers_and_folded_exactly_once(client, link):
    logs = set(log_dir().glob("*.log")) if log_dir().is_dir() else set()
    sizes = {path: path.stat().st_size for path in logs}
    client.get(f"/l/{link.code}", HTTP_USER_AGENT=BROWSER)
    # Were the server killed with -9 now, the click is already in the log, for any later fold to count.
    today = log_dir() / f"{clock.now().date()}.log"
    assert f'"code":"{link.code}"' in today.read_bytes()[sizes.get(today, 0):].decode()
    assert len(clicks()) == 1 and len(clicks()) == 1  # a second fold adds nothing


@pytest.mark.postgres  # also run on PostgreSQL by `make test-postgres`
def test_a_click_answered_makes_no_database_write_and_is_counted_once_folded(client, link):
    client.get(f"/l/{link.code}", HTTP_USER_AGENT="curl/8")  # the link is cached now
    with CaptureQueriesContext(connection) as statements:
        client.get(f"/l/{link.code}", HTTP_USER_AGENT=BROWSER)
    assert not statements.captured_queries  # the click is in the log: no redirect waits for the database
    assert len(clicks()) == 1


@pytest.mark.postgres
def test_two_machines_logs_of_one_day_are_each_folded_once(client, link, settings):
    """In the scaled mode several web machines share the database (and perhaps the data directory on network
    storage): each writes its own log, and folds only its own."""
    machines = ("kafe-web-1", "kafe-web-2")
    for name in machines:
        settings.STOA_MACHINE_NAME = name
        write_down(link.pk, link.code, clock.now(), f"https://{name}.example/", "visitor")
        assert log_dir().name == name
    assert [click.referrer for click in clicks()] == ["https://kafe-web-2.example/"]
    for _twice in range(2):
        for name in machines:
            settings.STOA_MACHINE_NAME = name
            fold_clicks()
    assert sorted(Click.objects.values_list("referrer", flat=True)) == [f"https://{name}.example/" for name in machines]
    assert set(ClickLogPosition.objects.values_list("name", flat=True)) >= {
        f"kafe-web-1/{clock.now().date()}.log", f"kafe-web-2/{clock.now().date()}.log"}


def test_a_short_link_is_answered_before_the_pages_middleware_even_for_a_signed_in_person(client, owner, link):
    """No session, user or language lookups on the way to the redirect: a click costs the click and nothing else."""
    client.force_login(owner)
    client.get(f"/l/{link.code}", HTTP_USER_AGENT="curl/8")  # the link is cached now
    with CaptureQueriesContext(connection) as statements:
        response = client.get(f"/l/{link.code}", HTTP_USER_AGENT=BROWSER)
    assert response.status_code == 302 and response["Location"].startswith("https://kafe.example/menu")
    assert not [q["sql"] for q in statements if "session" in q["sql"] or "user" in q["sql"]]


def test_a_half_written_line_waits_and_a_line_for_an_unknown_link_is_dropped(client, link):
    client.get(f"/l/{link.code}", HTTP_USER_AGENT=BROWSER)
    today = log_dir() / f"{clock.now().date()}.log"
    with today.open("ab") as log:
        log.write(b'{"link":999999,"code":"nOtOurs2","at":"2026-12-07T10:00:00+00:00","referrer":"","visitor":""}\n')
        log.write(b'{"link":%d,"code":"%s","at":"2026-12-07T10:00:00+00:00","refe' % (link.pk, link.code.encode()))
    assert len(clicks()) == 1
    with today.open("ab") as log:
        log.write(b'rrer":"","visitor":""}\n')
    assert len(clicks()) == 2


def test_the_links_page_speaks_the_owners_language(client, owner, workspace):
    client.force_login(owner)
    page = client.get(f"/links/?workspace={workspace.slug}", HTTP_ACCEPT_LANGUAGE="he").content.decode()
    assert "קישורים מקוצרים" in page and "הוספת פרמטרי UTM" in page and 'dir="rtl"' in page
