"""`make screenshots` (its analytics part): pictures of the measuring pages, filled by `stoa demo`.

    .venv/bin/python tests/web/analytics_screenshots.py [--keep]

Makes a temporary STOA_DATA_DIR (SQLite), runs `stoa demo --years 1` (six brands), sets the demo owner's
password, adds a Hebrew report template to the first brand, starts a real `stoa web` on 127.0.0.1 and, with
Debian's chromium through Playwright (as tests/web's browser tests), writes into docs/screenshots/:
analytics-workspace(-he), analytics-all, analytics-best-times, analytics-kpis, links, reports and
report-pdf-he (the first page of the Hebrew PDF report, through pdftoppm from poppler-utils).
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.fuzz.fuzz_api import free_port, server_environment, start_server, stop, wait_until_up  # noqa: E402
from tests.web.conftest import CHROMIUM, FLAGS, SCREENSHOTS, log_in  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "demo-screenshots-only"
SIZE = {"width": 1280, "height": 860}

SETUP = f"""
from django.contrib.auth import get_user_model
from stoa.reports.models import ReportTemplate
from stoa.workspaces.models import Workspace
owner = get_user_model().objects.get(username="demo")
owner.set_password({PASSWORD!r}); owner.save()
workspace = Workspace.objects.order_by("id").first()
template = ReportTemplate.objects.create(workspace=workspace, name="דוח חודשי", language="he")
print(workspace.slug, template.id)
"""


def stoa(env: dict[str, str], *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "stoa.cli", *args], env=env, cwd=ROOT, capture_output=True,
                            text=True, check=True)
    return result.stdout


def shoot(page, url: str, name: str, height: int = 860, start: str | None = None, only: str | None = None) -> None:
    """The top height pixels of the page (from the element start finds, if any), or only the element only finds."""
    response = page.goto(url)
    assert response and response.ok, f"{url} answered {response and response.status} (the server's log: --keep)"
    page.wait_for_load_state("networkidle")
    path = SCREENSHOTS / f"{name}.png"
    if only:
        page.locator(only).first.screenshot(path=str(path))
    else:
        top = page.locator(start).first.bounding_box()["y"] if start else 0
        clip = {"x": 0, "y": top, "width": SIZE["width"], "height": height}
        page.screenshot(path=str(path), full_page=True, clip=clip)
    print(f"[screenshots] {path.relative_to(ROOT)}", file=sys.stderr)


def pdf_page(page, url: str, work: Path) -> None:
    """The first page of the PDF at url, as PNG at 1280 px wide."""
    response = page.request.get(url)
    assert response.ok and response.body().startswith(b"%PDF"), f"{url} answered {response.status}"
    pdf = work / "report.pdf"
    pdf.write_bytes(response.body())
    subprocess.run(["pdftoppm", "-png", "-f", "1", "-l", "1", "-scale-to-x", "1280", "-scale-to-y", "-1",
                    "-singlefile", str(pdf), str(SCREENSHOTS / "report-pdf-he")], check=True)


def take(base: str, slug: str, template_id: int, work: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        english = browser.new_page(locale="en-US", viewport=SIZE)
        log_in(english, base, "demo", PASSWORD)
        shoot(english, f"{base}/analytics/?workspace={slug}", "analytics-workspace", height=2000)
        shoot(english, f"{base}/analytics/?workspace=all", "analytics-all", height=2000)
        shoot(english, f"{base}/analytics/best-times/?workspace={slug}", "analytics-best-times")
        shoot(english, f"{base}/analytics/?workspace={slug}", "analytics-kpis", only="#kpis")
        shoot(english, f"{base}/links/?workspace={slug}", "links", height=1000,
              start="section:has(h2:text('Short links'))")
        shoot(english, f"{base}/reports/?workspace={slug}", "reports")
        hebrew = browser.new_page(locale="he-IL", viewport=SIZE)
        log_in(hebrew, base, "demo", PASSWORD)
        shoot(hebrew, f"{base}/analytics/?workspace={slug}", "analytics-workspace-he", height=2000)
        pdf_page(hebrew, f"{base}/reports/{template_id}/pdf/", work)
        browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the data directory (its path is printed)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="stoa-screenshots-"))
    port = free_port()
    env = server_environment(work / "data", port, ROOT)
    server = None
    try:
        stoa(env, "migrate", "--verbosity", "0")
        stoa(env, "demo", "--years", "1", "--seed", "1")
        slug, template_id = stoa(env, "django", "shell", "-c", SETUP).split()[-2:]  # after what the demo tells
        server = start_server(env, port, work / "server.log")
        base = f"http://127.0.0.1:{port}"
        wait_until_up(f"{base}/login/", server)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        take(base, slug, int(template_id), work)
    finally:
        if server:
            stop(server)
        if args.keep:
            print(f"[screenshots] data kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
