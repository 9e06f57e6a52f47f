"""Writers racing on one database (threads, each with its own session and connection, on committed data): badge
batches, registration imports and organisation/user creation end in one clear outcome each, never a 500."""

from __future__ import annotations

from sqlmodel import Session, func, select

from accounts import service as accounts
from accounts.models import Organisation, User
from errors import Conflict
from meetings import badges, registration_lists
from meetings.models import BadgeCode, Registration
from meetings.registrations import parse_registrations
from tests.concurrency import race
from tests.factories import DEFAULT_PASSWORD, make_event, make_organisation

WRITERS = 4



def _event(engine):
    with Session(engine, expire_on_commit=False) as session:
        return make_event(session, make_organisation(session))


def test_badge_batches_made_at_once_get_distinct_numbers_and_codes(committed_engine):
    event = _event(committed_engine)
    outcomes = race(committed_engine, [
        lambda session: badges.generate_badge_codes(session=session, organisation_id=event.organisation_id,
                                                    event_id=event.id, count=25)
        for _ in range(WRITERS)])
    assert all(isinstance(codes, list) for codes in outcomes), outcomes
    assert sorted(codes[0].batch for codes in outcomes) == list(range(1, WRITERS + 1))
    assert all({c.batch for c in codes} == {codes[0].batch} and len(codes) == 25 for codes in outcomes)
    with Session(committed_engine) as session:
        rows = session.exec(select(BadgeCode.batch, func.count()).where(BadgeCode.event_id == event.id)
                            .group_by(BadgeCode.batch).order_by(BadgeCode.batch)).all()
        assert [tuple(row) for row in rows] == [(batch, 25) for batch in range(1, WRITERS + 1)]
        assert session.exec(select(func.count(func.distinct(BadgeCode.code)))).one() == 25 * WRITERS


def test_registration_lists_imported_at_once_replace_each_other_whole(committed_engine):
    event = _event(committed_engine)
    cities = ["上海", "北京", "深圳", "成都"]
    lists = [f"origin_city\n{city}\n" + f"{city}\n" * (10 + 5 * n) for n, city in enumerate(cities)]
    outcomes = race(committed_engine, [
        lambda session, text=text: registration_lists.import_registrations(
            session=session, organisation_id=event.organisation_id, event_id=event.id, csv_text=text)
        for text in lists])
    # Each import either replaced the list (they took turns) or was told that another one won (409).
    assert all(isinstance(o, registration_lists.RegistrationSummary) or (isinstance(o, Conflict) and o.status == 409)
               for o in outcomes), outcomes
    assert any(isinstance(o, registration_lists.RegistrationSummary) for o in outcomes)
    with Session(committed_engine) as session:
        stored = session.exec(select(Registration.line_no, Registration.origin_raw)
                              .where(Registration.event_id == event.id).order_by(Registration.line_no)).all()
    # The list is one of the files, whole: never two files mixed, never a line twice.
    whole = [[(r.line_no, r.origin_raw) for r in parse_registrations(
        text, event_city_code=event.city_code, event_province=event.province, max_rows=1000)[0]] for text in lists]
    assert [tuple(row) for row in stored] in whole


def test_an_organisation_slug_taken_at_the_same_moment_is_a_409_naming_the_slug(committed_engine):
    outcomes = race(committed_engine, [
        lambda session, n=n: accounts.create_organisation(session=session, slug="same-slug", name_zh=f"机构{n}",
                                                          name_en=f"Org {n}")
        for n in range(WRITERS)])
    created = [o for o in outcomes if isinstance(o, Organisation)]
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(created) == 1 and len(refused) == WRITERS - 1, outcomes
    assert all(error.status == 409 and error.fields == {"slug": ["already exists"]} for error in refused)
    with Session(committed_engine) as session:
        assert session.exec(select(func.count()).select_from(Organisation)
                            .where(Organisation.slug == "same-slug")).one() == 1


def test_an_email_registered_at_the_same_moment_is_a_409_naming_the_email(committed_engine):
    with Session(committed_engine, expire_on_commit=False) as session:
        org = make_organisation(session)
    outcomes = race(committed_engine, [
        lambda session, n=n: accounts.create_user(session=session, email="Same@Example.org", password=DEFAULT_PASSWORD,
                                                  display_name=f"User {n}", organisation_id=org.id,
                                                  role="organiser")
        for n in range(WRITERS)])
    created = [o for o in outcomes if isinstance(o, User)]
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(created) == 1 and len(refused) == WRITERS - 1, outcomes
    assert all(error.status == 409 and error.fields == {"email": ["already exists"]} for error in refused)
    with Session(committed_engine) as session:
        assert session.exec(select(func.count()).select_from(User).where(User.email == "same@example.org")).one() == 1
