"""The local peers the tests run against (tests/providers/*_peer.py, bluesky_network.py), and a last word at the
end of a run on each one that could not start: its tests are skipped, never passed, and the summary says why."""

from __future__ import annotations

from collections import Counter

import pytest

PEER_MARKERS = {"mastodon_peer": "Mastodon peer", "telegram_peer": "Telegram peer", "bluesky": "Bluesky peer"}


def skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return reason.removeprefix("Skipped: ")


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # noqa: ARG001 - pytest's signature
    skipped: Counter[str] = Counter()
    for report in terminalreporter.stats.get("skipped", []):
        peer = next((name for marker, name in PEER_MARKERS.items() if marker in report.keywords), None)
        if peer:
            reason = skip_reason(report)
            skipped[reason if reason.startswith(peer) else f"{peer}: {reason}"] += 1
    if skipped:
        terminalreporter.section("local peers not run")
        for reason, count in sorted(skipped.items()):
            terminalreporter.write_line(f"SKIPPED: {reason} ({count} test{'' if count == 1 else 's'})")
