"""What the connect cards say beyond the flow itself."""

from django import template
from django.conf import settings

from stoa.providers.registry import get_provider_class

register = template.Library()


@register.filter
def lacks_public_address(network: str) -> bool:
    """Whether the network fetches media from a public URL and this Stoa has none to give it."""
    return get_provider_class(network).media_by_url and not settings.STOA_PUBLIC_BASE_URL
