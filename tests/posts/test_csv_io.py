"""CSV import and export of posts: the logic, the API and the command line."""

import csv
import io
from datetime import date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from stoa.errors import ActionError
from stoa.posts import csv_io
from stoa.posts.actions import VariantInput, add_media, create_post
from stoa.posts.csv_io import export_posts, import_posts
from stoa.posts.models import Post, Publication, State
from stoa.workspaces.access import ROLE_PERMISSIONS, Permission
from stoa.workspaces.actions import create_workspace
from stoa.workspaces.models import ApiToken, AuditEvent, Role
from tests.conftest import mastodon_channel
from tests.core.helpers import image_bytes

PNG = image_bytes()
HEADER = "text,channels,scheduled_local,title,content_type,tags,media,thread\r\n"
TEXTS = [
    'בוקר טוב, יפו! "קפה" ב-12 ₪ ☕\nמחר: מאפים 🥐',
    "صباح الخير، يافا! \"قهوة\" ☕\nسطر ثان",
    "Καλημέρα, Αθήνα! «καφές» ☕, \"φρέσκος\"\n\nνέα γραμμή",
    "Доброе утро, Яффа! \"Кофе\", круассаны 🥐\r\nвторая строка",
]


def future(days: int = 30, hour: int = 10) -> str:
    return f"{(timezone.now() + timedelta(days=days)).date()} {hour:02d}:00"


def export_text(workspace, **kwargs) -> str:
    return "".join(export_posts(workspace, **kwargs))


def rows_of(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def csv_bytes(*rows: list[str], header: str = HEADER, encoding: str = "utf-8") -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    return (header + out.getvalue()).encode(encoding)


@pytest.fixture
def second(workspace, fake_network):
    return mastodon_channel(workspace, fake_network, 2)


# -- Export -------------------------------------------------------------------------------


def test_export_is_utf8_with_bom_one_row_per_publication_in_local_time(owner, workspace, channel, second):
    media = add_media(owner, workspace, "menu.png", PNG)
    post = create_post(owner, workspace, text=TEXTS[0], title="Winter", content_type="selling",
                       tags=["coffee", "jaffa"], scheduled_at=datetime(2030, 12, 1, 10, 0),
                       variants=[VariantInput(channel.pk, media_ids=[media.pk], options={"thread": ["two", "three"]}),
                                 VariantInput(second.pk)])
    create_post(owner, workspace, text="a draft", variants=[VariantInput(channel.pk)])

    text = export_text(workspace)
    assert text.startswith("\ufeffpost_id,title,content_type,tags,channel,network,scheduled_local,timezone,")
    assert "\r\n" in text
    first, other, draft = rows_of(text)
    assert first["post_id"] == other["post_id"] == str(post.pk)
    assert (first["channel"], first["scheduled_local"], first["timezone"]) == (
        "Mastodon 1", "2030-12-01 10:00", "Asia/Jerusalem")
    assert first["text"] == TEXTS[0] and first["tags"] == "coffee, jaffa" and first["content_type"] == "selling"
    assert first["media"] == "menu.png" and first["thread"] == "two\n---\nthree" and other["thread"] == ""
    assert first["state"] == "scheduled" and first["approval_state"] == "draft"
    assert draft["scheduled_local"] == "" and draft["state"] == "draft"


def test_export_neutralises_formula_cells_and_import_restores_them(owner, workspace, channel, fake_network):
    create_post(owner, workspace, text="=HYPERLINK(\"http://evil\")", title="@SUM(A1)", tags=["-sale"],
                variants=[VariantInput(channel.pk)])
    create_post(owner, workspace, text="-20% today only", variants=[VariantInput(channel.pk)])
    text = export_text(workspace)
    first, second_row = rows_of(text)
    assert first["text"] == "'=HYPERLINK(\"http://evil\")" and first["title"] == "'@SUM(A1)"
    assert first["tags"] == "'-sale" and second_row["text"] == "'-20% today only"

    target = create_workspace(owner, "Copy")
    mastodon_channel(target, fake_network, 1)
    report = import_posts(owner, target, text.encode())
    assert not report.errors
    texts = sorted(Publication.objects.filter(workspace=target).values_list("variant__text", flat=True))
    assert texts == ["-20% today only", "=HYPERLINK(\"http://evil\")"]
    assert Post.objects.get(workspace=target, title="@SUM(A1)").tags == ["-sale"]


def test_export_keeps_only_the_chosen_local_days_and_states(owner, workspace, channel):
    for day in (1, 2, 3):
        create_post(owner, workspace, text=f"day {day}", variants=[VariantInput(channel.pk)],
                    scheduled_at=datetime(2030, 12, day, 23, 30))  # late evening local: next day in UTC
    create_post(owner, workspace, text="draft", variants=[VariantInput(channel.pk)])
    rows = rows_of(export_text(workspace, start=date(2030, 12, 2), end=date(2030, 12, 2)))
    assert [r["text"] for r in rows] == ["day 2"]
    assert [r["text"] for r in rows_of(export_text(workspace, states=["draft"]))] == ["draft"]


# -- Round trip ---------------------------------------------------------------------------


def test_export_then_import_round_trips_multilingual_text_threads_media_and_times(owner, workspace, channel,
                                                                                   second, fake_network):
    add_media(owner, workspace, "menu.png", PNG)
    media = add_media(owner, workspace, "menu.png", PNG)
    when = datetime(2030, 12, 1, 9, 15)
    for i, text in enumerate(TEXTS):
        create_post(owner, workspace, text=text, title=f"T{i}, \"q\"", tags=["a", "ב"],
                    content_type="informational", media_ids=[media.pk] if i == 0 else [],
                    variants=[VariantInput(channel.pk, options={"thread": ["שני, 2", "third\nline"]}),
                              VariantInput(second.pk)], scheduled_at=when + timedelta(hours=i))
    create_post(owner, workspace, text=TEXTS[1], variants=[VariantInput(channel.pk)])  # a draft
    exported = export_text(workspace)

    target = create_workspace(owner, "Athens branch", timezone="Europe/Athens")
    mastodon_channel(target, fake_network, 1), mastodon_channel(target, fake_network, 2)
    add_media(owner, target, "menu.png", PNG)
    report = import_posts(owner, target, exported.encode("utf-8"))

    assert report.errors == [] and report.duplicates == [] and len(report.created) == 5
    assert len(report.imported_lines) == 9

    def shape(ws):
        return sorted(
            (p.variant.text, p.channel.name, str(p.scheduled_at), p.state, p.variant.options, p.variant.post.title,
             p.variant.post.tags, p.variant.post.content_type, [m.filename for m in p.variant.ordered_media()])
            for p in Publication.objects.filter(workspace=ws).select_related("variant__post", "channel"))

    assert shape(target) == shape(workspace)  # the same instants, though the target is in another timezone
    assert Post.objects.filter(workspace=target).count() == 5  # rows sharing a post_id are one post again

    again = import_posts(owner, workspace, exported.encode("utf-8"))
    assert again.created == [] and again.errors == [] and len(again.duplicates) == 9


# -- Broken rows --------------------------------------------------------------------------


def test_broken_rows_are_reported_by_physical_line_and_the_good_rows_are_imported(owner, workspace, channel):
    data = (
        HEADER
        + f'"first good row\nspans\nthree lines",Mastodon 1,{future()},,,,,\r\n'  # lines 2-4
        + f"hello,Nowhere TV,{future()},,,,,\r\n"  # 5
        + f'"{"x" * 501}",Mastodon 1,{future()},,,,,\r\n'  # 6
        + "in the past,Mastodon 1,2020-01-01 10:00,,,,,\r\n"  # 7
        + '"dst gap,\nin Jerusalem",Mastodon 1,2030-03-29 02:30,,,,,\r\n'  # 8-9
        + f"bad type,Mastodon 1,{future()},,gossip,,,\r\n"  # 10
        + "\r\n"  # 11: blank lines are skipped but still counted
        + f",Mastodon 1,{future()},,,,,\r\n"  # 12
        + f"no such picture,Mastodon 1,{future()},,,,lost.png,\r\n"  # 13
        + "not a time,Mastodon 1,next tuesday,,,,,\r\n"  # 14
        + f'"second good row, with a comma and ""quotes""",Mastodon 1,{future(31)},,news,"x, y",,\r\n'  # 15
    ).encode()
    report = import_posts(owner, workspace, data)

    assert report.imported_lines == [2, 15] and len(report.created) == 2
    errors = dict(report.errors)
    assert sorted(errors) == [5, 6, 7, 8, 10, 12, 13, 14]
    assert "No channel \"Nowhere TV\"" in errors[5][0] and "Mastodon 1" in errors[5][0]
    assert "allows 500 characters" in errors[6][0] and "has 501" in errors[6][0]
    assert "in the past" in errors[7][0]
    assert "does not exist in Asia/Jerusalem" in errors[8][0]
    assert "gossip" in errors[10][0]
    assert errors[12] == ["The text is empty."]
    assert "lost.png" in errors[13][0]
    assert "next tuesday" in errors[14][0]
    post = Post.objects.get(content_type="news")
    assert post.tags == ["x", "y"] and post.variants.get().text == 'second good row, with a comma and "quotes"'
    assert Publication.objects.filter(workspace=workspace).count() == 2


def test_a_time_in_athens_dst_gap_is_refused_using_the_rows_timezone(owner, workspace, channel):
    data = csv_bytes(["καλημέρα", "Mastodon 1", "2030-03-31 03:30", "Europe/Athens"],
                     header="text,channels,scheduled_local,timezone\r\n")
    report = import_posts(owner, workspace, data)
    assert report.created == [] and "does not exist in Europe/Athens" in report.errors[0][1][0]


def test_a_row_whose_second_channel_fails_creates_nothing(owner, workspace, channel, fake_network):
    small = mastodon_channel(workspace, fake_network, 2)
    small.config["max_characters"] = 100
    small.save()
    data = csv_bytes(["y" * 200, "Mastodon 1|Mastodon 2", future(), "", "", "", "", ""])
    report = import_posts(owner, workspace, data)
    assert report.created == [] and report.errors[0][0] == 2
    assert "Mastodon 2" in report.errors[0][1][0] and "100" in report.errors[0][1][0]
    assert not Post.objects.exists() and not Publication.objects.exists()


def test_rows_sharing_a_post_id_fail_together(owner, workspace, channel, second):
    data = csv_bytes(["7", "fine", "Mastodon 1"], ["7", "z" * 600, "Mastodon 2"], header="post_id,text,channel\r\n")
    report = import_posts(owner, workspace, data)
    errors = dict(report.errors)
    assert "Mastodon 2" in errors[3][0] and "another row of post 7" in errors[2][0]
    assert not Post.objects.exists()


def test_several_channels_make_one_post_with_a_variant_each(owner, workspace, channel, second):
    report = import_posts(owner, workspace, csv_bytes(["hi", "Mastodon 1, mastodon 2", future()],
                                                      header="text,channels,scheduled_local\r\n"))
    [post] = Post.objects.filter(pk__in=report.created)
    assert sorted(post.variants.values_list("channel__name", flat=True)) == ["Mastodon 1", "Mastodon 2"]
    report = import_posts(owner, workspace, csv_bytes(["by id", str(second.pk), ""], header="text,channels,date\r\n"))
    assert Publication.objects.get(variant__post_id=report.created[0]).state == State.DRAFT


def test_duplicates_are_reported_and_not_imported_twice(owner, workspace, channel):
    data = csv_bytes(["same", "Mastodon 1", future()], ["same", "Mastodon 1", future()],
                     ["same", "Mastodon 1", future(days=2)], header="text,channels,scheduled_local\r\n")
    first = import_posts(owner, workspace, data)
    assert first.duplicates == [3] and len(first.created) == 2
    second_time = import_posts(owner, workspace, data)
    assert second_time.created == [] and second_time.duplicates == [2, 3, 4]
    assert Post.objects.count() == 2


def test_semicolon_file_from_excel_with_separate_date_and_time(owner, workspace, channel):
    day = (timezone.now() + timedelta(days=5)).date()
    data = ("\ufefftext;Channels;Date;Time;Tags\r\n"
            f"\"שלום; עולם\";Mastodon 1;{day};9:05;a, b\r\n").encode()
    report = import_posts(owner, workspace, data)
    assert report.errors == [], report.errors
    publication = Publication.objects.get()
    assert publication.variant.text == "שלום; עולם"
    assert publication.scheduled_at == datetime(day.year, day.month, day.day, 9, 5, tzinfo=ZoneInfo("Asia/Jerusalem"))
    assert publication.variant.post.tags == ["a", "b"]


def test_tab_separated_utf16_from_excel_unicode_text(owner, workspace, channel):
    data = "text\tchannels\r\nΚαλημέρα\tMastodon 1\r\n".encode("utf-16")
    assert len(import_posts(owner, workspace, data).created) == 1


def test_a_file_that_is_not_utf8_is_refused_and_nothing_is_imported(owner, workspace, channel):
    data = csv_bytes(["fine", "Mastodon 1"], ["שלום", "Mastodon 1"], header="text,channels\r\n", encoding="cp1255")
    with pytest.raises(ActionError, match="not UTF-8 \\(line 3"):
        import_posts(owner, workspace, data)
    assert not Post.objects.exists()


def test_an_oversize_file_is_refused(owner, workspace, channel, settings):
    settings.STOA_MAX_UPLOAD_BYTES = 50
    with pytest.raises(ActionError, match="at most"):
        import_posts(owner, workspace, csv_bytes(["x" * 60, "Mastodon 1"], header="text,channels\r\n"))


def test_too_many_rows_are_refused(owner, workspace, channel, monkeypatch):
    monkeypatch.setattr(csv_io, "MAX_ROWS", 2)
    with pytest.raises(ActionError, match="more than 2 rows"):
        import_posts(owner, workspace, csv_bytes(*[[f"p{i}", "Mastodon 1"] for i in range(3)],
                                                 header="text,channels\r\n"))
    assert not Post.objects.exists()


def test_an_unclosed_quote_on_line_10_costs_that_row_only(owner, workspace, channel):
    good = [f"post {n},Mastodon 1,{future(days=n)}\r\n" for n in range(2, 13)]
    good[8] = f'"post 10 opens a quote,Mastodon 1,{future(days=10)}\r\n'  # line 10
    report = import_posts(owner, workspace, ("text,channels,scheduled_local\r\n" + "".join(good)).encode())

    assert report.imported_lines == [2, 3, 4, 5, 6, 7, 8, 9, 11, 12]
    [(line, [reason])] = report.errors
    assert line == 10 and "never closed" in reason
    assert not Post.objects.filter(variants__text__contains="post 10").exists()


def test_a_stray_quote_does_not_swallow_the_quoted_cells_after_it(owner, workspace, channel):
    data = ("text,channels,scheduled_local\r\n"
            f"one,Mastodon 1,{future(1)}\r\n"  # 2
            f'"stray quote,Mastodon 1,{future(2)}\r\n'  # 3: pairs with the quote on line 5
            f"four,Mastodon 1,{future(4)}\r\n"  # 4
            f'"five\nand six, in one cell",Mastodon 1,{future(5)}\r\n'  # 5-6
            f'"seven" and more,Mastodon 1,{future(7)}\r\n'  # 7: text after the closing quote
            f"eight,Mastodon 1,{future(8)}\r\n")  # 8
    report = import_posts(owner, workspace, data.encode())

    assert report.imported_lines == [2, 4, 5, 8]
    errors = dict(report.errors)
    assert sorted(errors) == [3, 7] and "after its closing quote" in errors[7][0]
    assert Post.objects.filter(variants__text="five\nand six, in one cell").exists()


def test_a_cell_with_a_nul_is_a_bad_row_naming_its_column(owner, workspace, channel):
    data = csv_bytes(["fine", "Mastodon 1"], ["nul \x00 here", "Mastodon 1"], ["also fine", "Mastodon 1"],
                     header="text,channels\r\n")
    report = import_posts(owner, workspace, data)
    assert report.imported_lines == [2, 4]
    [(line, [reason])] = report.errors
    assert line == 3 and reason.startswith("text: Character 5 is a NUL")


def test_a_lone_surrogate_in_a_utf16_file_is_a_bad_row(owner, workspace, channel):
    text = "text\tchannels\r\nΚαλημέρα\tMastodon 1\r\nbad \ud800\tMastodon 1\r\n"
    data = b"\xff\xfe" + text.encode("utf-16-le", errors="surrogatepass")
    report = import_posts(owner, workspace, data)
    assert report.imported_lines == [2]
    [(line, [reason])] = report.errors
    assert line == 3 and reason.startswith("text: Character 5 is half of a UTF-16 surrogate pair (U+D800)")
    assert [v.text for v in Post.objects.get().variants.all()] == ["Καλημέρα"]


def test_a_broken_row_fails_the_rows_of_its_post_id(owner, workspace, channel, second):
    data = csv_bytes(["7", "fine", "Mastodon 1"], ["7", "\x00", "Mastodon 2"], header="post_id,text,channel\r\n")
    errors = dict(import_posts(owner, workspace, data).errors)
    assert errors[3][0].startswith("text: Character 1 is a NUL") and "another row of post 7" in errors[2][0]
    assert not Post.objects.exists()


@pytest.mark.parametrize("data, message", [
    (b"\xff\xfet\x00e\x00x\x00t\x00\n", "ends in the middle of a character"),
    ("text,chan\ud800nels\r\nx,Mastodon 1\r\n".encode("utf-16", errors="surrogatepass"),
     "Column 2 of the header row: Character 5 is half"),
])
def test_broken_utf16_files_are_refused_whole(owner, workspace, channel, data, message):
    with pytest.raises(ActionError, match=message):
        import_posts(owner, workspace, data)


@pytest.mark.parametrize("data, message", [
    (b"title,channels\r\nx,Mastodon 1\r\n", "needs the columns text"),
    (b"\"text,channels\r\nx,Mastodon 1\r\n", "header row \\(line 1\\) is not valid CSV"),
    (b"", "empty"),
])
def test_unreadable_files_are_refused_whole(owner, workspace, channel, data, message):
    with pytest.raises(ActionError, match=message):
        import_posts(owner, workspace, data)
    assert not Post.objects.exists()


def test_a_row_with_an_unquoted_delimiter_is_reported(owner, workspace, channel):
    report = import_posts(owner, workspace, b"text,channels\r\nhello, world,Mastodon 1\r\n")
    assert "3 cells but the header has 2" in report.errors[0][1][0]


def test_dry_run_checks_everything_and_writes_nothing(owner, workspace, channel):
    channel.min_gap_minutes = 60
    channel.save()
    data = csv_bytes(["one", "Mastodon 1", future(hour=10)], ["two", "Mastodon 1", future(hour=10)],
                     header="text,channels,scheduled_local\r\n")
    preview = import_posts(owner, workspace, data, dry_run=True)
    assert preview.imported_lines == [2] and preview.created == []
    assert "at least 60 minutes" in dict(preview.errors)[3][0]  # checked against the row before it
    assert not Post.objects.exists() and not AuditEvent.objects.filter(action="posts.imported").exists()

    real = import_posts(owner, workspace, data)
    assert real.imported_lines == preview.imported_lines and real.errors == preview.errors
    event = AuditEvent.objects.get(action="posts.imported")
    assert event.actor == owner and event.detail["posts"] == real.created


def test_scheduled_rows_need_the_publish_permission(workspace, channel, member, monkeypatch):
    monkeypatch.setitem(ROLE_PERMISSIONS, Role.CONTENT_EDITOR,
                        ROLE_PERMISSIONS[Role.CONTENT_EDITOR] - {Permission.PUBLISH})
    writer = member("content_editor")
    report = import_posts(writer, workspace, csv_bytes(["timed", "Mastodon 1", future()], ["draft", "Mastodon 1", ""],
                                                       header="text,channels,scheduled_local\r\n"))
    assert report.imported_lines == [3] and "only save drafts" in report.errors[0][1][0]


def test_channels_of_another_workspace_are_unknown(owner, workspace, channel, other_workspace, fake_network):
    foreign = mastodon_channel(other_workspace, fake_network, 9)
    report = import_posts(owner, workspace, csv_bytes(["x", str(foreign.pk)], header="text,channels\r\n"))
    assert report.created == [] and "No channel" in report.errors[0][1][0]


# -- API ------------------------------------------------------------------------------------


@pytest.fixture
def api(owner):
    _, token = ApiToken.issue(owner, "tests")
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def test_api_imports_with_a_dry_run_first(api, workspace, channel):
    url = f"/api/v1/workspaces/{workspace.pk}/posts/import"
    data = csv_bytes(["api post", "Mastodon 1", future()], ["", "Mastodon 1", ""],
                     header="text,channels,scheduled_local\r\n")
    preview = api.post(url, {"file": io.BytesIO(data), "dry_run": "true"})
    assert preview.status_code == 200, preview.content
    body = preview.json()
    assert body["dry_run"] is True and body["imported_lines"] == [2]
    assert body["errors"][0]["line"] == 3 and not Post.objects.exists()

    done = api.post(url, {"file": io.BytesIO(data)})
    assert done.status_code == 200 and len(done.json()["created"]) == 1


def test_api_refuses_unreadable_files_in_its_error_style(api, workspace, channel):
    response = api.post(f"/api/v1/workspaces/{workspace.pk}/posts/import",
                        {"file": io.BytesIO("text,channels\r\nשלום,x\r\n".encode("cp1255"))})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "file" and "UTF-8" in response.json()["detail"][0]["message"]


def test_api_exports_csv(api, owner, workspace, channel):
    create_post(owner, workspace, text="exported", variants=[VariantInput(channel.pk)])
    response = api.get(f"/api/v1/workspaces/{workspace.pk}/posts/export.csv?state=draft")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeffpost_id") and "exported" in text


def test_api_hides_other_workspaces_and_refuses_analysts(api, owner, workspace, other_workspace, member):
    assert api.get(f"/api/v1/workspaces/{other_workspace.pk}/posts/export.csv").status_code == 404
    response = api.post(f"/api/v1/workspaces/{other_workspace.pk}/posts/import",
                        {"file": io.BytesIO(b"text,channels\r\n")})
    assert response.status_code == 404
    _, token = ApiToken.issue(member("analyst"), "t")
    analyst = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = analyst.post(f"/api/v1/workspaces/{workspace.pk}/posts/import", {"file": io.BytesIO(b"text\r\n")})
    assert response.status_code == 403
    assert analyst.get(f"/api/v1/workspaces/{workspace.pk}/posts/export.csv").status_code == 200


# -- Command line -------------------------------------------------------------------------


def stoa(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_cli_exports_and_imports_files(owner, workspace, channel, tmp_path):
    create_post(owner, workspace, text="Доброе утро", variants=[VariantInput(channel.pk)],
                scheduled_at=datetime(2030, 12, 1, 10, 0))
    exported = tmp_path / "posts.csv"
    stoa("posts_csv", "export", "--workspace", workspace.slug, "--user", "olga", str(exported))
    assert exported.read_bytes().startswith(b"\xef\xbb\xbfpost_id") and "Доброе утро" in exported.read_text("utf-8")

    incoming = tmp_path / "new.csv"
    incoming.write_bytes(csv_bytes(["new", "Mastodon 1", future()], ["", "Nowhere", ""],
                                   header="text,channels,scheduled_local\r\n"))
    preview = stoa("posts_csv", "import", "--workspace", workspace.slug, "--user", "olga", "--dry-run", str(incoming))
    assert "Line 3:" in preview and "Nowhere" in preview and Post.objects.count() == 1
    output = stoa("posts_csv", "import", "--workspace", workspace.slug, "--user", "olga", str(incoming))
    assert "1 post" in output and Post.objects.count() == 2
    assert "1 duplicate" in stoa("posts_csv", "import", "--workspace", workspace.slug, "--user", "olga", str(incoming))


def test_cli_reports_bad_files_and_other_workspaces_plainly(owner, workspace, other_workspace, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes("text,channels\r\nשלום,x\r\n".encode("cp1255"))
    with pytest.raises(CommandError, match="not UTF-8"):
        stoa("posts_csv", "import", "--workspace", workspace.slug, "--user", "olga", str(bad))
    with pytest.raises(CommandError, match="No workspace|No such workspace"):
        stoa("posts_csv", "export", "--workspace", other_workspace.slug, "--user", "olga", str(bad))
    with pytest.raises(CommandError, match="no such file"):
        stoa("posts_csv", "import", "--workspace", workspace.slug, "--user", "olga", str(tmp_path / "nope.csv"))
