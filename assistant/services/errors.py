"""Domain errors of the services: each carries a French message and the HTTP status it means.

Routes let them propagate (one exception handler answers ``{"detail": message}`` with
``status``); the UI shows ``str(error)``. Never put a value the user sent in the message.
"""

from __future__ import annotations


class ServiceError(Exception):
    """An action the service refuses; ``str()`` is a French sentence for the user."""

    status: int = 422


class NotFound(ServiceError):
    """What the action names does not exist (or no longer)."""

    status = 404


class Invalid(ServiceError):
    """The action's input breaks a rule (the message names the field and the rule)."""

    status = 422


class Conflict(ServiceError):
    """The current state does not allow the action (already done, being changed…)."""

    status = 409


class Unavailable(ServiceError):
    """The service cannot take the action right now (queue full…): try again later."""

    status = 503
