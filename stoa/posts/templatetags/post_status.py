"""{{ publication|status }}: the one state a person reads for a publication (see stoa/posts/status.py)."""

from django import template

from stoa.posts.models import Publication
from stoa.posts.status import Status, publication_status

register = template.Library()


@register.filter
def status(publication: Publication) -> Status:
    return publication_status(publication)
