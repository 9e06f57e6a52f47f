"""The demo meeting of the demo organisation, with organiser inputs and a few answers (idempotent)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlmodel import Session, select

from meetings import events, links, responses
from meetings.models import Event
from meetings.schemas import EventCreateSchema

DEMO_NAME_EN = "Tanzhong Demo Forum on Green Development"
DEMO_ANSWERS = [
    {"origin": "上海", "travel_mode": "high_speed_rail", "hotel_nights": 2},
    {"origin": "Chengdu", "travel_mode": "flight", "cabin": "economy", "hotel_nights": 2},
    {"origin": "深圳", "travel_mode": "high_speed_rail", "hotel_nights": 1},
    {"origin": "广州", "travel_mode": "metro", "distance_km": "18", "hotel_nights": 0},
]


def seed(*, session: Session, organisation_id: int, today: date) -> Event:
    """The demo meeting (next month, in Guangzhou) and its first answers; nothing is added twice."""
    event = session.exec(select(Event).where(Event.organisation_id == organisation_id,
                                             Event.name_en == DEMO_NAME_EN)).first()
    if event is not None:
        return event
    starts_on = today + timedelta(days=30)
    event = events.create_event(session=session, organisation_id=organisation_id, values=EventCreateSchema().load({
        "name_zh": "碳中示范绿色发展论坛", "name_en": DEMO_NAME_EN, "starts_on": starts_on,
        "ends_on": starts_on + timedelta(days=1), "venue_name": "广州白云国际会议中心", "city": "广州",
        "expected_attendance": 200, "meeting_type": "conference", "electricity_kwh": Decimal("4800"),
        "meals_vegetarian": 150, "meals_poultry": 150, "meals_pork": 100, "paper_kg": Decimal("40"),
    }))
    link = links.active_link(session=session, organisation_id=organisation_id, event_id=event.id)
    for answers in DEMO_ANSWERS:
        responses.submit_by_link(session=session, token=link.token, device_token=responses.new_device_token(),
                                 answers=answers)
    return event
