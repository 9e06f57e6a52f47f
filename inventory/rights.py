"""Who acts on an inventory and what each role or API key may do there."""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import ApiKeyRole, Role
from errors import PermissionDenied

# read: facilities, records and reports; log: enter and change records; validate: mark records validated;
# history: read every change; facilities: add and change sites; close: close a year; administer: members,
# edits to a closed year.
MEMBER_RIGHTS: dict[Role, frozenset[str]] = {
    Role.admin: frozenset({"read", "log", "validate", "history", "facilities", "close", "administer"}),
    Role.organiser: frozenset({"read"}),
    Role.staff: frozenset({"read", "log"}),
    # An auditor reads everything, history included, and validates; it never writes a record.
    Role.auditor: frozenset({"read", "validate", "history"}),
}
# A key is created by an admin for a program (an ERP export, a meter reader): an organiser key may log records,
# add facilities and close a year; it is never an admin.
API_KEY_RIGHTS: dict[ApiKeyRole, frozenset[str]] = {
    ApiKeyRole.read_only: frozenset({"read"}),
    ApiKeyRole.organiser: frozenset({"read", "log", "facilities", "close"}),
}


@dataclass(frozen=True)
class Actor:
    """A member (user_id, role) or an API key (api_key_id) acting in one organisation."""

    organisation_id: int
    rights: frozenset[str]
    user_id: int | None = None
    api_key_id: int | None = None
    label: str = ""

    @classmethod
    def member(cls, organisation_id: int, user_id: int, role: Role | str) -> Actor:
        role = Role(role)
        return cls(organisation_id, MEMBER_RIGHTS[role], user_id=user_id, label=role.value)

    @classmethod
    def api_key(cls, organisation_id: int, api_key_id: int, role: ApiKeyRole | str) -> Actor:
        role = ApiKeyRole(role)
        return cls(organisation_id, API_KEY_RIGHTS[role], api_key_id=api_key_id, label=f"API key ({role.value})")

    def can(self, right: str) -> bool:
        return right in self.rights

    def require(self, right: str) -> None:
        if right not in self.rights:
            raise PermissionDenied(f"{self.label or 'this member'} may not {right.replace('_', ' ')} in the "
                                   f"inventory", code="forbidden")
