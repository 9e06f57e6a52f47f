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


def json_paths(messages, prefix: str = "") -> dict[str, list[str]]:
    """webargs nests errors by location and key; the API names each bad field by its JSON path."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            if prefix == "" and key in {"json", "query", "form", "files", "headers", "cookies", "path"}:
                flat.update(json_paths(value, ""))
                continue
            if isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
                path = f"{prefix}[{key}]"
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            flat.update(json_paths(value, path))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        flat[prefix or "_schema"] = list(messages)
    elif isinstance(messages, list):
        for index, value in enumerate(messages):
            flat.update(json_paths(value, f"{prefix}[{index}]"))
    else:
        flat[prefix or "_schema"] = [str(messages)]
    return flat
