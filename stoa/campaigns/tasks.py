"""The paid campaigns' periodic job: pace each running campaign's spend and alert the managers once."""

import logging
from datetime import UTC

from huey.contrib.djhuey import db_task

from stoa import clock
from stoa.campaigns.pacing import pace_all

log = logging.getLogger(__name__)


@db_task()
def pace_campaigns() -> None:
    for campaign, kind in pace_all(clock.today(UTC)):
        log.info("Campaign %s: %s, the managers were alerted.", campaign.pk, kind)
