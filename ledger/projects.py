"""Credit projects: the registered sink projects whose credits the ledger holds (created by an admin)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from errors import Conflict, NotFound
from ledger.db import run_ledger_transaction
from ledger.models import CreditProject, Registry


def _duplicate(registry: Registry | str, registry_project_id: str) -> Conflict:
    message = f"project '{registry_project_id}' of registry {Registry(registry).value} is already recorded"
    return Conflict(message, fields={"registry_project_id": [message]}, code="duplicate_project")


def find_project(session: Session, registry: Registry | str, registry_project_id: str) -> CreditProject | None:
    return session.exec(select(CreditProject).where(CreditProject.registry_name == Registry(registry),
                                                    CreditProject.registry_project_id == registry_project_id)).first()


def create_project(session: Session, *, values: Mapping[str, Any]) -> CreditProject:
    """A new project from values keyed as CreditProject's fields (checked by the project schema)."""
    registry, registry_project_id = values["registry_name"], values["registry_project_id"]

    def create(session: Session) -> CreditProject:
        if find_project(session, registry, registry_project_id) is not None:
            raise _duplicate(registry, registry_project_id)
        project = CreditProject(**values)
        session.add(project)
        session.flush()
        return project

    try:
        return run_ledger_transaction(session, create)
    except IntegrityError:
        # Recorded by someone else between the check and the insert (the unique constraint decided).
        if find_project(session, registry, registry_project_id) is not None:
            raise _duplicate(registry, registry_project_id) from None
        raise


def get_project(session: Session, project_id: int) -> CreditProject:
    project = session.get(CreditProject, project_id)
    if project is None:
        raise NotFound(f"no credit project {project_id}", fields={"project_id": ["unknown project"]})
    return project


def list_projects(session: Session, *, registry: Registry | str | None = None,
                  include_demo: bool = True) -> list[CreditProject]:
    query = select(CreditProject)
    if registry is not None:
        query = query.where(CreditProject.registry_name == Registry(registry))
    if not include_demo:
        query = query.where(CreditProject.is_demo.is_(False))
    return list(session.exec(query.order_by(CreditProject.registry_name, CreditProject.registry_project_id)).all())
