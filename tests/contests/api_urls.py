"""The contests' API mounted as stoa/api/base.py mounts it (the lead's two add_router lines), for the tests until
then: Stoa's token authentication and error shape, the contests' routers, and Stoa's own pages beside them."""

from django.urls import include, path
from ninja import NinjaAPI

from stoa.api import errors as api_errors
from stoa.api.base import TokenAuth
from stoa.contests.api import contests, workspace_contests

api = NinjaAPI(title="Stoa contests (tests)", version="test", urls_namespace="contests-api-test", auth=TokenAuth())
api_errors.install(api)
api.add_router("/workspaces", workspace_contests)
api.add_router("/contests", contests)

urlpatterns = [path("api/v1/", api.urls), path("", include("stoa.urls"))]
