from huey.contrib.djhuey import db_task

from stoa.links.clicklog import fold_clicks


@db_task()
def fold_click_log() -> int:
    """Move the clicks appended to the click log into the database (stoa/links/clicklog.py)."""
    return fold_clicks()
