"""Domain errors raised by services; app.py maps each class to one HTTP status."""

from __future__ import annotations


class DomainError(Exception):
    """A use case refused its input or state; `code` is a stable machine word."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, fields: dict | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        if code:
            self.code = code


class ValidationError(DomainError):
    status = 422
    code = "validation_error"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"


class AuthenticationFailed(DomainError):
    status = 401
    code = "unauthorized"
