"""Each request in the language its person chose (or their browser's for people without an account); forms
with text no database takes refused before any view reads them."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation

from stoa.broken_text import problem
from stoa.workspaces.models import UserSettings


def user_language(get_response: Callable[[HttpRequest], HttpResponse]):
    def middleware(request: HttpRequest) -> HttpResponse:
        language = None
        if request.user.is_authenticated:
            language = UserSettings.objects.filter(user=request.user).values_list("language", flat=True).first()
        language = language or translation.get_language_from_request(request)
        # Only for this request: the thread serves the next one (or runs a test) in its own language.
        with translation.override(language):
            request.LANGUAGE_CODE = translation.get_language()
            response = get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response

    return middleware


def refuse_broken_text(get_response: Callable[[HttpRequest], HttpResponse]):
    """A page's query or form holding text no database takes (a NUL character, which a browser sends when one
    is pasted; see stoa/broken_text.py) is answered 422 with the fields named, before any view reads it.
    The API checks its own input (stoa/api/parsing.py)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith("/api/"):
            return get_response(request)
        data = [*request.GET.lists()]
        if request.method == "POST":
            data += [*request.POST.lists(), *((k, [f.name or "" for f in fs]) for k, fs in request.FILES.lists())]
        errors: dict[str, list[str]] = {}
        for key, values in data:
            for reason in filter(None, map(problem, [key, *values])):
                errors.setdefault(key, []).append(reason)
        if not errors:
            return get_response(request)
        template = "web/_broken_text.html" if getattr(request, "htmx", False) else "web/broken_text.html"
        return render(request, template, {"errors": errors}, status=422)

    return middleware
