"""The one error type actions raise for bad input, shared by the page, the API and the CLI."""

from typing import Any


class ActionError(Exception):
    """Bad input: field name -> what is wrong with it, in words a person understands."""

    def __init__(self, errors: dict[str, list[str]] | str):
        if isinstance(errors, str):
            errors = {"__all__": [errors]}
        self.errors = errors
        super().__init__(self.summary())

    def summary(self) -> str:
        return "; ".join(
            message if field == "__all__" else f"{field}: {message}"
            for field, messages in self.errors.items()
            for message in messages
        )

    @classmethod
    def of_form(cls, form) -> "ActionError":
        """A Django form's errors (field -> messages; "__all__" for the form as a whole), refused as an action
        refuses, so the page, the API and the command line say the same."""
        return cls({field: [str(message) for message in messages] for field, messages in form.errors.items()})

    def words(self) -> str:
        """The messages alone, for a person on a page: the field names are for programs."""
        return " ".join(message for messages in self.errors.values() for message in messages)


def cleaned(form: Any) -> dict[str, Any]:
    """A bound Django form's cleaned data, or ActionError with every reason in the form's words: the pages read
    their input with it and the actions check it again with the same form."""
    if not form.is_valid():
        raise ActionError.of_form(form)
    return form.cleaned_data


class NotFound(Exception):
    """The object does not exist, or the caller may not see it (workspaces.access raises it for both)."""


class Forbidden(Exception):
    """The caller sees the object but their role does not allow this."""
