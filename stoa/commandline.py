"""What Stoa's management commands share: who is acting, and errors said plainly."""

from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from stoa.errors import ActionError
from stoa.providers.base import ProviderError
from stoa.workspaces.access import Forbidden, NotFound


def add_user_argument(parser) -> None:
    parser.add_argument("--user", help="Act as this user (default: the first administrator).")


def acting_user(username: str | None):
    users = get_user_model().objects
    user = users.filter(username=username).first() if username else (
        users.filter(is_superuser=True, is_active=True).order_by("pk").first())
    if user is None:
        raise CommandError(f"No user {username!r}." if username else
                           "No administrator yet: run `stoa ensureadmin` or pass --user.")
    return user


@contextmanager
def plain_errors():
    """Turn Stoa's errors into a CommandError: one clear line, exit status 1, no traceback."""
    try:
        yield
    except ActionError as e:
        raise CommandError(e.summary()) from None
    except (NotFound, Forbidden) as e:
        raise CommandError(str(e)) from None
    except ProviderError as e:
        raise CommandError(e.message) from None
