"""What the posts app tells the apps above it, without importing them (they import posts, never the reverse)."""

from django.dispatch import Signal

# Sent by posts.actions after a post's text, media or a variant was edited, inside the edit's transaction, with
# `actor` and `post`. The approval flow (stoa.approvals.actions.content_changed) sends the post back to review.
content_edited = Signal()
