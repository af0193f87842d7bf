"""REST API under /api/v1/: the NinjaAPI, its authentication and error handlers, and each app's operations (its
api.py) mounted under their addresses. Operations parse, check access and call the same actions as the page and
the CLI."""

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.operation import Operation
from ninja.security import HttpBearer

from stoa import clock
from stoa.analytics.api import workspace_analytics
from stoa.api import errors as api_errors
from stoa.api.parsing import CheckedParser
from stoa.api.throttling import PerUserRate
from stoa.campaigns.api import campaigns, workspace_campaigns
from stoa.channels.api import channels, networks, workspace_channels
from stoa.contests.api import contests, workspace_contests
from stoa.inbox.api import inbox
from stoa.links.api import workspace_links
from stoa.posts.api import posts, workspace_posts
from stoa.publishing.api import publications
from stoa.web.api import workspace_composer
from stoa.workspaces.api import workspaces
from stoa.workspaces.models import ApiToken, hash_token


class TokenAuth(HttpBearer):
    """`Authorization: Bearer stoa_...`: a personal token made with `stoa apitoken NAME`."""

    def authenticate(self, request: HttpRequest, token: str):
        api_token = ApiToken.objects.select_related("user").filter(token_hash=hash_token(token)).first()
        if api_token is None or not api_token.user.is_active:
            return None
        now = clock.now()
        if not api_token.last_used_at or (now - api_token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        request.user = api_token.user
        return api_token.user


class StoaAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        """The operation ids published since the API was one module (stoa/api/views.py): clients generated from
        the schema call them by these names, wherever the operation lives now."""
        return f"stoa_api_views_{operation.view_func.__name__}"


api = StoaAPI(title="Stoa API", version="1", urls_namespace="api", auth=TokenAuth(), parser=CheckedParser(),
              throttle=PerUserRate())
api_errors.install(api)

api.add_router("/networks", networks)
api.add_router("/workspaces", workspaces)
api.add_router("/workspaces", workspace_channels)
api.add_router("/workspaces", workspace_posts)
api.add_router("/workspaces", workspace_composer)
api.add_router("/workspaces", workspace_links)
api.add_router("/workspaces", workspace_analytics)
api.add_router("/workspaces", workspace_contests)
api.add_router("/workspaces", workspace_campaigns)
api.add_router("/channels", channels)
api.add_router("/posts", posts)
api.add_router("/publications", publications)
api.add_router("/inbox", inbox)
api.add_router("/contests", contests)
api.add_router("/campaigns", campaigns)
