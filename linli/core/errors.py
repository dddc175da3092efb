"""Errors every module raises the same way."""

from __future__ import annotations

from django.core.exceptions import ValidationError


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
