"""The audience's periodic job: who reposted and liked the brand's recent posts, how far the people of its audience
reach, and what the competitors posted, for every workspace."""

import logging

from huey.contrib.djhuey import db_task

from stoa.audience.collect import collect_engagement
from stoa.audience.competitors import read_competitor
from stoa.audience.models import Competitor
from stoa.audience.reach import read_reach
from stoa.providers.base import http_client
from stoa.workspaces.models import Workspace

log = logging.getLogger(__name__)


@db_task()
def read_audience() -> None:
    with http_client() as http:
        for competitor in Competitor.objects.select_related("workspace"):
            read_competitor(competitor, http)
        for workspace in Workspace.objects.all():
            collect_engagement(workspace)
            read_reach(workspace, http)
