"""The API's input parser: JSON bodies, query strings, forms and file names, refused when their text is broken.

Every value an operation receives passes through here, so no lone surrogate or NUL reaches an action.
"""

import json

from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from ninja.parser import Parser

from stoa.broken_text import check_text, problem
from stoa.errors import ActionError


class BodyNotJSON(Exception):
    """The body could not be read as JSON; the message says where."""


class CheckedParser(Parser):
    def parse_body(self, request: HttpRequest):
        """Ninja turns any error raised here into a 400 "Cannot parse request body"; the API's error
        handler reads the cause again (stoa/api/errors.py): a BodyNotJSON stays a 400, an ActionError
        (broken text) becomes a 422 that names the field."""
        try:
            data = json.loads(request.body)
        except UnicodeDecodeError as e:
            raise BodyNotJSON(f"The body is not UTF-8 (byte {e.start + 1}).") from None
        except json.JSONDecodeError as e:
            raise BodyNotJSON(f"The body is not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}.") from None
        check_text(data)
        return data

    def parse_querydict(self, data: MultiValueDict, list_fields: list[str], request: HttpRequest):
        result = super().parse_querydict(data, list_fields, request)
        errors: dict[str, list[str]] = {}
        for key, value in result.items():
            values = value if isinstance(value, list) else [value]
            texts = [key, *(v.name or "" if isinstance(v, UploadedFile) else str(v) for v in values)]
            for reason in filter(None, map(problem, texts)):
                errors.setdefault(key or "(unnamed parameter)", []).append(reason)
        if errors:
            raise ActionError(errors)
        return result
