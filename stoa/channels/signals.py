"""What the channels tell the apps above them, without importing them (they import channels, never the reverse)."""

from django.dispatch import Signal

# Sent by the inbox (stoa.inbox.actions.ingest_page) for a page read or pushed that carried counts of the channel's
# posts the network sends unasked (InboxPage.counts: Telegram's reactions), after its messages were kept, with
# `channel` and `counts` (a tuple of providers.base.PostCounts). The analytics keep them as snapshots
# (stoa.analytics.collect.keep_pushed_counts); a count they cannot keep is logged, never raised.
counts_pushed = Signal()
