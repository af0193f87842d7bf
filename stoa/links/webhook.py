"""POST /conversions/<workspace id>/hook: the website reports a conversion, signed with the workspace's secret.

Headers: X-Stoa-Timestamp (Unix seconds) and X-Stoa-Signature: sha256=<hex of HMAC-SHA256 over
"<timestamp>.<body>">. A request more than five minutes from now is refused (a replay), and an event id already
recorded is answered 200 without recording it twice, so the website may safely send again. An error is said in
the language the request asks for (Accept-Language), else in Stoa's default."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from stoa.errors import ActionError
from stoa.links.conversions import Refused, receive_conversion

MAX_BODY = 16 * 1024


@csrf_exempt  # signed by the website instead: it has no session
@require_POST
def conversion_hook(request: HttpRequest, workspace_id: int) -> HttpResponse:
    if len(request.body) > MAX_BODY:
        too_large = _("A conversion event is at most %(size)s.") % {"size": filesizeformat(MAX_BODY)}
        return JsonResponse({"error": too_large}, status=413)
    try:
        recorded = receive_conversion(workspace_id, request.headers.get("X-Stoa-Timestamp", ""),
                                      request.headers.get("X-Stoa-Signature", ""), request.body)
    except Refused:
        return JsonResponse({"error": _("Not signed with this workspace's secret, or too old.")}, status=401)
    except ActionError as e:
        return JsonResponse({"error": e.summary()}, status=400)
    return JsonResponse({"recorded": recorded}, status=201 if recorded else 200)
