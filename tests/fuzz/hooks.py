"""Checks of Stoa's own that schemathesis runs with its built-in ones (loaded through SCHEMATHESIS_HOOKS)."""

import schemathesis


@schemathesis.check
def api_error_shape(ctx, response, case):
    """Every error of the API answers `{"detail": [{"field": "...", "message": "..."}]}`, whatever its status."""
    if response.status_code < 400:
        return None
    try:
        body = response.json()
    except ValueError:
        raise AssertionError(f"A {response.status_code} answered with a body that is not JSON") from None
    detail = body.get("detail") if isinstance(body, dict) else None
    if not (isinstance(body, dict) and list(body) == ["detail"] and isinstance(detail, list) and detail
            and all(isinstance(e, dict) and sorted(e) == ["field", "message"]
                    and all(isinstance(v, str) and v for v in e.values()) for e in detail)):
        raise AssertionError(f"A {response.status_code} is not in the API's error shape: {str(body)[:200]}")
    return None
