"""A new owner's first week, in English and in Hebrew (issue 13): the real `stoa run`, a real browser and the
full local AT Protocol network with its AppView, nothing called behind the pages' backs. Stoa starts on an empty
data directory and prints the first administrator's password; the owner logs in with it, follows the first-run
guide to a workspace whose posts the client approves, connects a Bluesky account on the channels page, is refused
on the way (no channel, no time, a time gone, "Publish now" before approval: each said on the page, in the page's
language), writes a post with an image and its alt text, has the client approve it through a link, sees it
published on time in the language it is written in, and answers the reply that comes into the inbox by itself.
Under STOA_SCREENSHOTS=1 (`make screenshots`) its pictures go to docs/screenshots/first-week-*.png."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.core.helpers import image_bytes, stop_process
from tests.inbox import test_read_by_itself
from tests.inbox.test_read_by_itself import start, wait_until
from tests.providers.test_bluesky_inbox import seen_by, write
from tests.web.conftest import keep_screenshot, log_in
from tests.web.test_refusals import said_in, submit

pytest_plugins = ["tests.providers.bluesky_network"]
pytestmark = [pytest.mark.browser, pytest.mark.bluesky, pytest.mark.timeout(900)]

stoa_env = test_read_by_itself.stoa_env  # the fixture: a Stoa of its own, its inbox read every 2 seconds

TIMEZONE = "Asia/Jerusalem"
LEAD_SECONDS = 90  # the post is scheduled at the first whole minute at least this far ahead
ON_TIME_SECONDS = 5  # how late after its time a post may go out and still be on time
ARRIVAL_SECONDS = 120  # how long the owner reloads the inbox for the reply to show up by itself


@dataclass(frozen=True)
class Week:
    """What the owner and the people around them write, in one language."""

    language: str
    locale: str  # the client's browser (the client has no account, so no language of their own)
    workspace: str
    text: str
    alt: str
    client: str
    question: str  # Bob's reply to the post
    answer: str


WEEKS = {
    "en": Week("en", "en-US", "Kafe Yafo", "Our winter menu is here: coffee and a warm pastry for 20 shekels, "
               "every morning until noon.", "The winter menu board on the counter, written in chalk",
               "Dana Levi", "Is the pastry vegan? Asking for the whole office", "It is! See you in the morning."),
    "he": Week("he", "he-IL", "קפה יפו", "תפריט החורף הגיע: קפה ומאפה חם ב-20 שקלים, כל בוקר עד הצהריים.",
               "לוח תפריט החורף על הדלפק, כתוב בגיר", "דנה לוי", "המאפה טבעוני? שואלת בשביל כל המשרד",
               "כן! נתראה בבוקר."),
}


def in_time(zone: str, seconds: int) -> datetime:
    """The first whole minute at least `seconds` from now, on the clock of `zone` (the composer takes minutes)."""
    soon = datetime.now(UTC) + timedelta(seconds=seconds)  # counted in UTC: right across a clock change too
    return (soon.replace(second=0, microsecond=0) + timedelta(minutes=1)).astimezone(ZoneInfo(zone))


def posted_at(record: dict) -> datetime:
    return datetime.fromisoformat(record["value"]["createdAt"].replace("Z", "+00:00"))


def reloaded(page, shown) -> int:
    """How many of `shown` the page has once loaded again, as a person presses reload while waiting."""
    page.reload()
    return shown.count()


def on_the_network(network, account, link) -> dict:
    """The account's post that a "View" link of a page points at (https://bsky.app/profile/HANDLE/post/KEY)."""
    key = link.get_attribute("href").rsplit("/", 1)[1]
    record = network.get_record(f"at://{account.did}/app.bsky.feed.post/{key}")
    assert record, f"no post at {link.get_attribute('href')}"
    return record


def assert_in_language(page, language: str) -> None:
    assert page.evaluate("document.documentElement.lang") == language
    assert page.evaluate("document.documentElement.dir") == ("rtl" if language == "he" else "ltr")


@pytest.mark.parametrize("language", ["en", "he"])
def test_a_new_owners_first_week(language, browser, bluesky_appview_network, stoa_env, tmp_path):
    week, network = WEEKS[language], bluesky_appview_network
    alice, bob = network.accounts["alice"], network.accounts["bob"]
    text, question, answer = week.text, week.question, week.answer

    def said(message: str, **values) -> str:
        """What the page must say, in its language: translated, for a page not in English."""
        assert language == "en" or said_in(language, message) != message, f"not translated: {message}"
        return said_in(language, message, **values)

    shot = lambda on, name: keep_screenshot(on, f"first-week-{language}-{name}", tmp_path)  # noqa: E731

    log = tmp_path / "stoa-run.log"
    process = start(stoa_env, log, "run", "--host", "127.0.0.1", "--port", "0")
    try:
        started = wait_until(lambda: re.search(r"Stoa is running at (http://127\.0\.0\.1:\d+)/", log.read_text()),
                             60, "Stoa listening", process, log)
        url, output = started[1], log.read_text()
        password = re.search(r"User name: admin\s+Password: (\S+)", output)[1]  # printed once, as `make run` does

        # Install: the administrator logs in and makes Stoa speak their language; the guide shows the way.
        page = browser.new_page(locale="en-US", viewport={"width": 1280, "height": 860})
        log_in(page, url, "admin", password, "/me/")
        page.select_option("select[name=language]", language)
        page.locator(".card form > button").click()
        page.wait_for_load_state()
        assert_in_language(page, language)
        page.goto(f"{url}/")
        guide = page.locator(".first-steps")
        assert said("Your first post in three steps") in guide.inner_text()
        shot(page, "welcome")

        # The first workspace, by the guide's next step; the client approves its posts.
        guide.locator("li.next a").click()
        page.wait_for_url("**/workspaces/new/")
        page.fill("input[name=name]", week.workspace)
        page.fill("input[name=timezone]", TIMEZONE)
        page.select_option("select[name=language]", language)
        page.locator(".card form > button").click()
        page.wait_for_url("**/channels/?workspace=*")
        confirmed = said("%(workspace)s is created. Next, connect its first channel.", workspace=week.workspace)
        page.get_by_text(confirmed).wait_for(timeout=5000)
        slug = page.url.rsplit("=", 1)[1]

        # Alice's Bluesky account, connected on the channels page (by the inputs' names: the labels are translated).
        form = page.locator("#connect-bluesky form")
        form.locator("input[name=pds_url]").fill(network.pds_url)
        form.locator("input[name=identifier]").fill(alice.handle)
        form.locator("input[name=app_password]").fill(alice.app_password)
        form.locator("input[name=name]").fill(week.workspace)
        form.locator("button").click()
        page.get_by_text(said("%(channel)s is connected.", channel=week.workspace)).wait_for(timeout=15000)
        assert_in_language(page, language)

        page.goto(f"{url}/workspaces/{slug}/settings/")
        page.check("input[name=approval_flow][value=client]")
        page.locator(".card form > button").click()
        page.wait_for_load_state()
        page.goto(f"{url}/")
        page.locator(".first-steps li.next a").click()  # the guide's last step: the first post
        page.wait_for_url("**/compose/**")

        # The composer refuses, each time saying why where the owner acted, in their language.
        refusal = page.locator("#refusal")
        page.fill("textarea[name=text]", text)
        submit(page, "draft")
        assert refusal.inner_text().strip() == said("Choose at least one channel.")
        channel = page.locator("input[name=channels]").get_attribute("value")
        page.check(f"input[name=channels][value='{channel}']")
        submit(page, "schedule")
        assert refusal.inner_text().strip() == said("Pick the date and time to publish at.")
        yesterday = datetime.now(ZoneInfo(TIMEZONE)) - timedelta(days=1)
        page.fill("input[name=scheduled_at]", f"{yesterday:%Y-%m-%dT%H:%M}")
        when = page.locator("#when-problems")
        when.get_by_text(said("That time is in the past. Pick a future time, or publish now.")).wait_for(timeout=5000)
        with page.expect_navigation():
            when.get_by_role("button", name=said("Publish now")).click()  # not before the client approves
        not_approved = said("%(workspace)s publishes only approved posts; this one is %(state)s.",
                            workspace=week.workspace, state=said("Draft").lower())
        assert refusal.inner_text().strip() == not_approved
        assert_in_language(page, language)

        # The post: its text kept through the refusals, an image with its alt text, its language from its text.
        assert page.input_value("textarea[name=text]") == text
        page.fill("input[name=scheduled_at]", "")
        page.set_input_files("#upload", files=[{"name": "winter-menu.png", "mimeType": "image/png",
                                                "buffer": image_bytes(800, 600, colour="teal")}])
        chosen = page.locator("#media-grid input[name=media]:checked")
        chosen.wait_for(timeout=5000)
        page.fill(f"#alt-texts .alt-text[data-media='{chosen.get_attribute('value')}'] textarea", week.alt)
        page.locator(f"#preview-{channel} img[alt='{week.alt}']").wait_for(timeout=5000)
        page.locator(f"#language-{channel}", has_text=f"({language})").wait_for(timeout=5000)
        shot(page, "composer")
        with page.expect_navigation():
            page.click("button[name=action][value=draft]")
        post_url = page.url
        assert re.search(r"/posts/\d+/$", post_url), post_url

        # "Publish now" on its row, before anyone approved it: refused, and the reason said in the row.
        page.goto(f"{url}/")
        row = page.locator("tr[id^=publication-]")
        row.get_by_role("button", name=said("Publish now")).click()
        row.get_by_role("alert").get_by_text(not_approved).wait_for(timeout=5000)
        shot(page, "refused")

        # Scheduled about two minutes ahead, approved inside the team, then by the client through a link.
        page.goto(f"{post_url}edit/")
        at = in_time(TIMEZONE, LEAD_SECONDS)
        page.fill("input[name=scheduled_at]", f"{at:%Y-%m-%dT%H:%M}")
        with page.expect_navigation():
            page.click("button[name=action][value=schedule]")
        assert page.url == post_url
        page.click("button[name=action][value=review]")
        page.click("button[name=action][value=approve]")
        page.locator("#approval-state", has_text=said("With the client")).wait_for(timeout=5000)
        page.goto(f"{url}/review/")
        page.fill("input[name=recipient_name]", week.client)
        page.get_by_role("button", name=said("Create link")).click()
        link = page.locator("#new-link input.copy").input_value()
        client = browser.new_page(locale=week.locale, viewport={"width": 1280, "height": 860})
        client.goto(link)
        assert_in_language(client, language)
        post = "#post-" + post_url.rstrip("/").rsplit("/", 1)[1]
        client.locator(f"{post} button[name=decision][value=approve]").click()
        client.locator(f"{post} h2 .approval", has_text=said("Approved")).wait_for(timeout=5000)
        shot(client, "client")
        assert datetime.now(ZoneInfo(TIMEZONE)) < at - timedelta(seconds=10), "approved too late to test on time"

        # Published by the engine of `stoa run` at its time, in the language it is written in.
        page.goto(f"{url}/")
        published = row.locator(".badge.status-published")
        wait_until(lambda: reloaded(page, published), LEAD_SECONDS + 90, "the post published", process, log)
        assert published.inner_text() == said("Published")
        shot(page, "published")
        record = on_the_network(network, alice, row.locator("a[href^='https://bsky.app/']"))
        assert record["value"]["text"] == text
        assert record["value"]["langs"] == [language]
        assert [i["alt"] for i in record["value"]["embed"]["images"]] == [week.alt]
        late = (posted_at(record) - at).total_seconds()
        assert -1 <= late <= ON_TIME_SECONDS, f"published {late:.1f} s after its time"

        # Bob sees the post in his app and answers it; his reply comes into the inbox by itself, and the owner
        # answers it there.
        wait_until(lambda: seen_by(network, bob, record["uri"]), 30, "the post in Bob's app", process, log)
        ref = {"uri": record["uri"], "cid": record["cid"]}
        reply = write(network, bob, {"text": question, "reply": {"root": ref, "parent": ref}})
        written = time.monotonic()
        page.goto(f"{url}/inbox/")
        item = page.locator(".inbox-item", has_text=question)
        wait_until(lambda: reloaded(page, item), ARRIVAL_SECONDS, "Bob's reply in the inbox", process, log)
        arrived = time.monotonic() - written
        assert item.locator(f"a[href='{post_url.removeprefix(url)}']").count() == 1  # under the post it answers
        item.locator("a.open").click()
        page.wait_for_url("**/inbox/*/")
        page.fill("textarea[name=text]", answer)
        with page.expect_navigation():
            page.click("button[name=action][value=reply]")
        sent = page.locator("article.reply-sent", has_text=answer)
        assert said("Sent") in sent.inner_text()
        assert_in_language(page, language)
        shot(page, "inbox")
        answered = on_the_network(network, alice, sent.locator("a[href^='https://bsky.app/']"))
        assert answered["value"]["text"] == answer
        assert answered["value"]["reply"]["parent"]["uri"] == reply["uri"]
        assert answered["value"]["reply"]["root"]["uri"] == record["uri"]
    finally:
        stop_process(process)
    print(f"{language}: published {late:.1f} s after its time; Bob's reply in the inbox {arrived:.1f} s after "
          "he wrote it")
