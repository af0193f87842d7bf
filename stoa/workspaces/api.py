"""The API's workspaces: /api/v1/workspaces."""

from ninja import Router, Status

from stoa.api.schemas import ERRORS, WorkspaceIn, WorkspaceOut
from stoa.workspaces.access import access_workspace, workspaces_for
from stoa.workspaces.actions import create_workspace

workspaces = Router(tags=["workspaces"])


@workspaces.get("", response={200: list[WorkspaceOut], **ERRORS})
def list_workspaces(request):
    return workspaces_for(request.auth)


@workspaces.post("", response={201: WorkspaceOut, **ERRORS})
def create(request, payload: WorkspaceIn):
    workspace = create_workspace(request.auth, payload.name, payload.timezone, payload.language, payload.slug)
    return Status(201, workspace)


@workspaces.get("/{workspace_id}", response={200: WorkspaceOut, **ERRORS})
def get_workspace(request, workspace_id: int):
    return access_workspace(request.auth, workspace_id)
