"""Errors every module raises the same way, each with a stable machine code.

Services raise three kinds, and both doors translate them the same way:

- ``django.core.exceptions.ValidationError`` with a ``code`` on every message (``"booking.closed"``,
  ``"case.transition_not_allowed"``): the API answers 422 ``{"code", "detail", "errors"}`` with the
  code of the first message; a page puts the error on the form field, where ``form.errors.as_data()``
  keeps the code.
- ``Conflict``: the loser of a uniqueness or capacity rule (409).
- ``Forbidden``: the account may not do this (403, ``code`` defaults to ``forbidden``).

Codes are ``<app-or-thing>.<reason>`` in lower snake case; clients and tests match codes, not text.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError

INVALID = "input.invalid"  # a ValidationError raised without a code of its own


class Conflict(ValidationError):
    """The loser of a uniqueness or capacity rule: another write, or an earlier one, holds it.

    ``code`` is stable for machines (``person.id_number_taken``, ``booking.duplicate``,
    ``booking.slot_full``, ``window.number_taken`` …); the API answers 409 with it beside the Chinese
    message (``linli.core.api.conflict_response``), a page shows the message as any other error of
    ``field``. Raised once the database has said no (a constraint or a conditional update) or a
    pre-check saw the clash, so the answer holds under concurrency.
    """

    code: str

    def __init__(self, field: str, message: str, *, code: str) -> None:
        super().__init__({field: [ValidationError(message, code=code)]})
        self.field, self.detail, self.code = field, message, code


class Forbidden(PermissionDenied):
    """403 with a stable code: the account's role or scope does not allow the action."""

    def __init__(self, message: str = "本账号无权进行此操作", *, code: str = "forbidden") -> None:
        super().__init__(message)
        self.detail, self.code = message, code


def invalid(field: str, message: str, code: str) -> ValidationError:
    """A service's refusal of one input ``field``: the message a user reads, the code a program matches."""
    return ValidationError({field: [ValidationError(message, code=code)]})


def error_code(exc: BaseException) -> str:
    """The stable code of an error raised by a service (the first message's code for validation)."""
    code = getattr(exc, "code", None)
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            for errors in exc.error_dict.values():
                for error in errors:
                    if error.code:
                        return str(error.code)
        elif hasattr(exc, "error_list"):
            for error in exc.error_list:
                if error.code:
                    return str(error.code)
        return str(code) if code else INVALID
    if isinstance(exc, PermissionDenied):
        return str(code) if code else "forbidden"
    return str(code) if code else "error"
