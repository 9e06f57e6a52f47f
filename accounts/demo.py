"""The demo organisation and its users, created idempotently by `flask demo seed`."""

from __future__ import annotations

from sqlmodel import Session, select

from accounts import service
from accounts.models import Organisation, Role, User

DEMO_ORG = {"slug": "demo", "name_zh": "碳中示范机构", "name_en": "Tanzhong Demo Organisation"}
# Demo logins are printed by `make run`; they exist only in the demo data, never in production.
DEMO_USERS = [
    ("admin@demo.tanzhong.org", "demo-admin-pass", "示范管理员 Demo Admin", Role.admin),
    ("organiser@demo.tanzhong.org", "demo-organiser-pass", "会议组织者 Demo Organiser", Role.organiser),
    ("staff@demo.tanzhong.org", "demo-staff-pass", "填报员工 Demo Staff", Role.staff),
    ("auditor@demo.tanzhong.org", "demo-auditor-pass", "审核员 Demo Auditor", Role.auditor),
]


def seed(*, session: Session) -> list[tuple[str, str, Role]]:
    org = session.exec(select(Organisation).where(Organisation.slug == DEMO_ORG["slug"])).first()
    if org is None:
        org = service.create_organisation(session=session, **DEMO_ORG)
    logins = []
    for email, password, name, role in DEMO_USERS:
        if session.exec(select(User).where(User.email == email)).first() is None:
            service.create_user(session=session, email=email, password=password, display_name=name,
                                organisation_id=org.id, role=role)
        logins.append((email, password, role))
    return logins
