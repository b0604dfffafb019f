"""The one refusal every programme use case answers with: a message for each field."""

from __future__ import annotations

from ..exceptions import DomainError


class Refused(DomainError):
    """Answers a use case refuses with: a message for each field (``"form"`` for the whole form),
    for the GOV.UK error summary on a page or a 422 naming each field in the API."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors
