"""Test data builders: each makes fresh rows through the services, with overridable defaults."""

from __future__ import annotations

import itertools

from accounts import service as accounts
from accounts.models import Organisation, Role, User

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


def make_event(session, organisation: Organisation, **overrides):
    """An event of `organisation` in Guangzhou next spring; overrides are service values (see meetings.service)."""
    from datetime import date

    from meetings import service as meetings

    n = next(_counter)
    values = {"name_zh": f"测试会议{n}", "name_en": f"Test Meeting {n}", "starts_on": date(2027, 3, 10),
              "ends_on": date(2027, 3, 12), "venue_name": "广州白云国际会议中心", "city": "广州",
              "expected_attendance": 300, "meeting_type": "conference"}
    values.update(overrides)
    return meetings.create_event(session=session, organisation_id=organisation.id, values=values)


def make_attendee_response(session, event, *, device_token: str | None = None, display_name: str | None = None,
                           **answers):
    """One attendee's answer to `event` through its public link (a new device unless `device_token` is given)."""
    from meetings import responses
    from meetings import service as meetings

    values = {"origin": "上海", "travel_mode": "high_speed_rail", "hotel_nights": 1}
    values.update(answers)
    link = meetings.active_link(session=session, organisation_id=event.organisation_id, event_id=event.id)
    return responses.submit_by_link(session=session, token=link.token,
                                    device_token=device_token or responses.new_device_token(), answers=values,
                                    display_name=display_name)
