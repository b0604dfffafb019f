"""Message templates: fixed text that cannot carry case detail.

A template is registered once by the feature that sends it. Its text is written here in code (and,
for GOV.UK Notify, mirrored by a template in Notify's own catalogue, named by id in configuration);
what varies is only the parameters it declares. The sign-in address (``service_url``) is filled
in at delivery from configuration, never from a request's Host header, which anyone can set.
"""

from __future__ import annotations

import functools
import string
from dataclasses import dataclass


class UnknownTemplate(LookupError):
    """A message names a template no feature registered."""


class TemplateParameterError(ValueError):
    """A message gives parameters its template does not declare, or leaves one out."""


FILLED_AT_DELIVERY = frozenset({"service_url"})


@dataclass(frozen=True)
class Template:
    name: str
    subject: str
    body: str
    # A template whose parameters carry a secret (a set-up link's token): the outbox forgets its
    # parameters once the message is sent, so the secret is not kept at rest any longer than that.
    secret: bool = False

    @functools.cached_property
    def params(self) -> frozenset[str]:
        """The parameters the subject and body use, besides those filled at delivery."""
        found = {
            field
            for text in (self.subject, self.body)
            for _, field, _, _ in string.Formatter().parse(text)
            if field
        }
        return frozenset(found - FILLED_AT_DELIVERY)

    def render(self, params: dict[str, str], service_url: str) -> tuple[str, str]:
        values = {**params, "service_url": service_url}
        return self.subject.format(**values), self.body.format(**values)


_TEMPLATES: dict[str, Template] = {}


def register(name: str, *, subject: str, body: str, secret: bool = False) -> Template:
    """Register a template (idempotent for the same text, so an app can be created twice)."""
    template = Template(name, subject, body, secret)
    existing = _TEMPLATES.get(name)
    if existing is not None and existing != template:
        raise ValueError(f"template {name!r} is already registered with other text")
    _TEMPLATES[name] = template
    return template


def get(name: str) -> Template:
    try:
        return _TEMPLATES[name]
    except KeyError:
        raise UnknownTemplate(name) from None


def registered() -> list[Template]:
    return sorted(_TEMPLATES.values(), key=lambda t: t.name)


def check_params(template: Template, params: dict[str, str]) -> None:
    if set(params) != template.params:
        raise TemplateParameterError(
            f"template {template.name!r} takes {sorted(template.params)}, got {sorted(params)}"
        )
    if not all(isinstance(value, str) for value in params.values()):
        raise TemplateParameterError(f"template {template.name!r}: parameters are text")
