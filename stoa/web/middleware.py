"""Each request in the language its person chose, or their browser's for people without an account."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from stoa.workspaces.models import UserSettings


def user_language(get_response: Callable[[HttpRequest], HttpResponse]):
    def middleware(request: HttpRequest) -> HttpResponse:
        language = None
        if request.user.is_authenticated:
            language = UserSettings.objects.filter(user=request.user).values_list("language", flat=True).first()
        language = language or translation.get_language_from_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response

    return middleware
