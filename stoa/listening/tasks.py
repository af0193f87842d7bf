"""The listening job: every workspace's queries looked for on its channels' networks."""

import logging

from huey.contrib.djhuey import db_task

from stoa.inbox.endpoint_classifier import configured
from stoa.listening.collect import listen
from stoa.listening.models import ListeningQuery
from stoa.workspaces.models import Workspace

log = logging.getLogger(__name__)


@db_task()
def collect_listening() -> int:
    """New hits of every workspace that listens; one that fails is logged and the others still read."""
    new = 0
    classifier = configured()
    listening = ListeningQuery.objects.filter(active=True).values("workspace")
    for workspace in Workspace.objects.filter(pk__in=listening).order_by("pk"):
        try:
            new += listen(workspace, classifier).new
        except Exception:  # noqa: BLE001 - one workspace's failure must not silence the others
            log.exception("Listening: workspace %s could not be read", workspace.pk)
    return new
