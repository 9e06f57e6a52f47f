"""Test data builders: each makes fresh rows through the services, with overridable defaults."""

from __future__ import annotations

import itertools
from datetime import timedelta

from accounts import service as accounts
from accounts.models import Organisation, Role, User
from db import utcnow
from meetings.inputs import MEAL_COLUMNS, QUANTITY_UNITS

_counter = itertools.count(1)
DEFAULT_PASSWORD = "correct horse battery"


def make_organisation(session, **overrides) -> Organisation:
    n = next(_counter)
    values = {"slug": f"org-{n}", "name_zh": f"测试机构{n}", "name_en": f"Test Organisation {n}"}
    values.update(overrides)
    return accounts.create_organisation(session=session, **values)


def make_user(session, organisation: Organisation, role: Role = Role.organiser, **overrides) -> User:
    n = next(_counter)
    values = {"email": f"user{n}@example.org", "password": DEFAULT_PASSWORD, "display_name": f"User {n}"}
    values.update(overrides)
    return accounts.create_user(session=session, organisation_id=organisation.id, role=role, **values)


def event_dates(days_ahead: int = 30, days: int = 3) -> dict:
    """starts_on and ends_on of a meeting `days_ahead` days after today (UTC), lasting `days` days."""
    starts_on = utcnow().date() + timedelta(days=days_ahead)
    return {"starts_on": starts_on, "ends_on": starts_on + timedelta(days=days - 1)}


def make_event(session, organisation: Organisation, **overrides):
    """An event of `organisation` in Guangzhou a month from today; overrides are EventCreateSchema input."""
    from meetings import events
    from meetings.schemas import EventCreateSchema

    n = next(_counter)
    values = {"name_zh": f"测试会议{n}", "name_en": f"Test Meeting {n}", **event_dates(),
              "venue_name": "广州白云国际会议中心", "city": "广州", "expected_attendance": 300,
              "meeting_type": "conference"}
    values.update(overrides)
    return events.create_event(session=session, organisation_id=organisation.id,
                               values=EventCreateSchema().load(values))


def event_input(event) -> dict:
    """A stored event as EventCreateSchema input, as the edit form sends it: a close time that follows the dates
    is left blank (so it keeps following them), and the province is left to the city."""
    from meetings.events import default_closes_at

    values = {name: getattr(event, name) for name in (
        "name_zh", "name_en", "starts_on", "ends_on", "venue_name", "city", "expected_attendance",
        "actual_attendance", "boundary", "require_badge_codes", "waste_kg", *QUANTITY_UNITS, *MEAL_COLUMNS)}
    values["meeting_type"] = event.meeting_type.value
    values["closes_at"] = None if event.closes_at == default_closes_at(event.ends_on) else event.closes_at
    return values


def change_event(session, event, **changes):
    """`event` with `changes` saved, loaded through EventCreateSchema as the edit form's submission would be."""
    from meetings import events
    from meetings.schemas import EventCreateSchema

    return events.update_event(session=session, organisation_id=event.organisation_id, event_id=event.id,
                               values=EventCreateSchema().load({**event_input(event), **changes}))


def make_attendee_response(session, event, *, device_token: str | None = None, display_name: str | None = None,
                           **answers):
    """One attendee's answer to `event` through its public link (a new device unless `device_token` is given)."""
    from meetings import links, responses

    values = {"origin": "上海", "travel_mode": "high_speed_rail", "hotel_nights": 1}
    values.update(answers)
    link = links.active_link(session=session, organisation_id=event.organisation_id, event_id=event.id)
    return responses.submit_by_link(session=session, token=link.token,
                                    device_token=device_token or responses.new_device_token(), answers=values,
                                    display_name=display_name)


def make_credit_project(session, **overrides):
    """A CCER afforestation project in Jiangxi (a new registry id each call); overrides: ProjectCreateSchema input."""
    from ledger.projects import create_project
    from ledger.schemas import ProjectCreateSchema

    n = next(_counter)
    values = {"project_type": "ccer_afforestation", "registry_name": "ccer", "registry_project_id": f"TEST-{n}",
              "methodology_id": "CCER-14-001-V01", "name_zh": f"测试造林碳汇{n}", "name_en": f"Test afforestation {n}",
              "province": "CN-JX", "developer": "测试林场"}
    values.update(overrides)
    return create_project(session, values=ProjectCreateSchema().load(values))


def give_credits(session, organisation, tonnes: int, *, project=None, vintage: int = 2021, start: int = 1,
                 price: str | None = "60.00"):
    """`tonnes` of new CCER credits (serials start..start+tonnes-1) issued into the pool and sold to `organisation`."""
    from decimal import Decimal

    from ledger.accounts import account_of, pool_account
    from ledger.issuance import issue
    from ledger.transfers import transfer

    project = project or make_credit_project(session)
    pool = pool_account(session)
    block = issue(session, project_id=project.id, account_id=pool.id, vintage=vintage, serial_start=start,
                  serial_end=start + tonnes - 1, serial_text=f"CCER-{project.registry_project_id}-{vintage}-{start}")
    transfer(session, from_account_id=pool.id, to_account_id=account_of(session, organisation.id).id, tonnes=tonnes,
             price_per_tonne_cny=Decimal(price) if price else None)
    return project, block
