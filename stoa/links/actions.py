"""Writing a workspace's link settings: the page and the API both come here."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from stoa.errors import ActionError
from stoa.links.models import UTM_FIELDS, LinkSettings
from stoa.workspaces.actions import audit
from stoa.workspaces.models import Workspace

EDITABLE = ("utm_enabled", *UTM_FIELDS, "short_links_enabled")


def link_settings_of(workspace: Workspace) -> LinkSettings:
    """The workspace's settings; the defaults (all off) when it never saved any."""
    return LinkSettings.objects.filter(workspace=workspace).first() or LinkSettings(workspace=workspace)


def update_link_settings(actor, workspace: Workspace, **changes: Any) -> LinkSettings:
    if unknown := set(changes) - set(EDITABLE):
        raise ActionError({name: ["Not a link setting."] for name in sorted(unknown)})
    with transaction.atomic():
        chosen = LinkSettings.objects.select_for_update().filter(workspace=workspace).first()
        chosen = chosen or LinkSettings(workspace=workspace)
        for name, value in changes.items():
            setattr(chosen, name, value.strip() if isinstance(value, str) else value)
        try:
            chosen.full_clean(exclude=["workspace"])
        except ValidationError as e:
            raise ActionError({name: list(messages) for name, messages in e.message_dict.items()}) from None
        chosen.save()
        audit(workspace.pk, actor, "links.settings_changed", chosen, **{n: getattr(chosen, n) for n in changes})
    return chosen
