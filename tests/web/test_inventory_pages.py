"""Inventory pages and onboarding: staff add a record, an auditor reads but cannot write, another organisation
gets 404, an invited member signs in only after accepting, a used or expired reset link is refused."""

from __future__ import annotations

import re
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from sqlmodel import select

from db import utcnow
from errors import Conflict
from factors import default_factor_set
from inventory import onboarding, records
from inventory.mail import FileMailer
from inventory.models import ActivityRecord
from inventory.rights import Actor
from tests.conftest import csrf_token_from, login
from tests.factories import DEFAULT_PASSWORD, make_organisation, make_user
from tests.inventory_data import make_facilities, year_rows

# The test's clock: the data's year (2025) has ended by then, whatever today is.
T0 = utcnow().replace(microsecond=0)


@pytest.fixture
def acme(session):
    organisation = make_organisation(session)
    sites = make_facilities(session, organisation.id)
    return organisation, sites


def _records(session, organisation_id):
    return session.exec(select(ActivityRecord).where(ActivityRecord.organisation_id == organisation_id)).all()


def test_a_staff_member_adds_a_record_on_the_inventory_page(session, client, acme):
    organisation, sites = acme
    staff = make_user(session, organisation, role="staff")
    login(client, staff.email, DEFAULT_PASSWORD)
    page = client.get(f"/inventory?facility={sites[0].id}&month=2025-03")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "添加记录" in html and sites[0].name in html
    response = client.post(f"/inventory/records?facility={sites[0].id}", data={
        "csrf_token": csrf_token_from(html), "facility": str(sites[0].id), "month": "2025-03", "kind": "electricity",
        "quantity": "1200", "unit": "度", "data_source": "invoice", "evidence_note": "三月电费发票",
        "evidence_file": "2025-03-电费.pdf"})
    assert response.status_code == 302
    (record,) = _records(session, organisation.id)
    assert (record.evidence_note, record.evidence_file, record.entered_by_id) == ("三月电费发票", "2025-03-电费.pdf",
                                                                                 staff.id)
    guangdong = default_factor_set().get("cn.elec.prov.guangdong.2023").kgco2e_per_unit
    assert record.unit == "度" and record.kgco2e == 1200 * guangdong
    shown = client.get(f"/inventory?facility={sites[0].id}&month=2025-03").get_data(as_text=True)
    assert "1200 度" in shown
    bad = client.post("/inventory/records", data={
        "csrf_token": csrf_token_from(shown), "facility": str(sites[0].id), "month": "2025-03",
        "kind": "electricity", "quantity": "5", "unit": "kg", "data_source": "invoice"})
    assert bad.status_code == 422 and "cannot convert kg (mass) to kWh (energy)" in bad.get_data(as_text=True)


def test_an_auditor_reads_everything_and_the_history_but_cannot_write(session, client, acme):
    organisation, sites = acme
    staff = make_user(session, organisation, role="staff")
    auditor = make_user(session, organisation, role="auditor")
    record = records.create_record(session=session, actor=Actor.member(organisation.id, staff.id, "staff"),
                                   values=year_rows(2025)[0])
    login(client, auditor.email, DEFAULT_PASSWORD)
    page = client.get("/inventory?month=2025-01")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "添加记录" not in html and "广州办公室" in html
    refused = client.post("/inventory/records", data={
        "csrf_token": csrf_token_from(html), "facility": str(sites[0].id), "month": "2025-01", "kind": "heat",
        "quantity": "3", "unit": "GJ", "data_source": "metered"})
    assert refused.status_code == 403
    assert len(_records(session, organisation.id)) == 1
    as_auditor = Actor.member(organisation.id, auditor.id, "auditor")
    assert [h.action for h in records.history(session=session, actor=as_auditor)] == ["create"]
    assert records.validate_records(session=session, actor=as_auditor, record_ids=[record.id]) == 1
    with pytest.raises(Exception) as error:
        records.delete_record(session=session, actor=as_auditor, record_id=record.id)
    assert error.value.status == 403


def test_a_member_of_another_organisation_sees_none_of_it(session, client, acme):
    organisation, sites = acme
    admin = make_user(session, organisation, role="admin")
    records.create_record(session=session, actor=Actor.member(organisation.id, admin.id, "admin"),
                          values=year_rows(2025)[0])
    stranger = make_user(session, make_organisation(session), role="admin")
    login(client, stranger.email, DEFAULT_PASSWORD)
    assert client.get(f"/inventory?facility={sites[0].id}&month=2025-01").status_code == 404
    page = client.get("/inventory?month=2025-01").get_data(as_text=True)
    assert "广州办公室" not in page
    assert client.get("/inventory/2025/records.csv").get_data(as_text=True).count("\n") == 1  # the header only


def _last_link(tmp_path, kind: str) -> str:
    messages = FileMailer(tmp_path / "mail").messages()
    body = messages[-1].get_body().get_content()
    return re.search(rf"http://localhost/{kind}/\S+", body).group(0).removeprefix("http://localhost")


def test_an_invited_member_can_sign_in_only_after_accepting(session, client, acme, tmp_path):
    organisation, _sites = acme
    admin = make_user(session, organisation, role="admin")
    login(client, admin.email, DEFAULT_PASSWORD)
    page = client.get("/account/invitations").get_data(as_text=True)
    sent = client.post("/account/invitations", data={"csrf_token": csrf_token_from(page),
                                                     "email": "NEW.Member@example.org", "role": "staff"})
    assert sent.status_code == 302
    link = _last_link(tmp_path, "invitations")
    client.post("/logout", data={"csrf_token": csrf_token_from(client.get("/inventory").get_data(as_text=True))})
    assert login(client, "new.member@example.org", "a long new password").status_code == 401
    form = client.get(link)
    assert form.status_code == 200 and "new.member@example.org" in form.get_data(as_text=True)
    accepted = client.post(link, data={"csrf_token": csrf_token_from(form.get_data(as_text=True)),
                                       "display_name": "新同事", "password": "a long new password",
                                       "confirm": "a long new password"})
    assert accepted.status_code == 302
    assert login(client, "new.member@example.org", "a long new password").status_code == 302
    assert client.get("/inventory").status_code == 200
    assert client.get(link).status_code == 409  # the link is used up


def test_a_used_or_expired_reset_link_is_refused(session, client, acme, tmp_path):
    organisation, _sites = acme
    user = make_user(session, organisation, role="staff")
    mailer = FileMailer(tmp_path / "clock-mail")

    def link():
        message = message_from_bytes(sorted((tmp_path / "clock-mail").glob("*.eml"))[-1].read_bytes(),
                                     policy=policy.default)
        return message.get_body().get_content().split("reset/")[1].split()[0]

    onboarding.request_password_reset(session=session, email=user.email, link_base="x/reset/", mailer=mailer, now=T0)
    late = link()
    with pytest.raises(Conflict) as expired:
        onboarding.reset_password(session=session, token=late, password="another long password",
                                  now=T0 + onboarding.RESET_LIFETIME + timedelta(seconds=1))
    assert expired.value.code == "reset_expired"
    onboarding.request_password_reset(session=session, email=user.email, link_base="x/reset/", mailer=mailer,
                                      now=T0 + timedelta(hours=2))
    fresh = link()
    onboarding.reset_password(session=session, token=fresh, password="another long password",
                              now=T0 + timedelta(hours=2, minutes=10))
    with pytest.raises(Conflict) as used:
        onboarding.reset_password(session=session, token=fresh, password="yet another password",
                                  now=T0 + timedelta(hours=2, minutes=11))
    assert used.value.code == "reset_used"
    # Through the pages: a link just mailed works once, and is refused afterwards.
    page = client.get("/password/forgot").get_data(as_text=True)
    client.post("/password/forgot", data={"csrf_token": csrf_token_from(page), "email": user.email})
    path = _last_link(tmp_path, "password/reset")
    form = client.get(path).get_data(as_text=True)
    done = client.post(path, data={"csrf_token": csrf_token_from(form), "password": "the newest password",
                                   "confirm": "the newest password"})
    assert done.status_code == 302
    assert client.get(path).status_code == 409
    assert login(client, user.email, "the newest password").status_code == 302


def test_an_admin_changes_a_members_role_and_removes_them_and_their_session_ends(session, client, acme):
    from accounts.models import Membership

    organisation, _sites = acme
    admin = make_user(session, organisation, role="admin", email="boss@example.org")
    staff = make_user(session, organisation, role="staff", email="clerk@example.org")
    membership = session.exec(select(Membership).where(Membership.user_id == staff.id)).one()
    clerk = client.application.test_client()
    login(clerk, staff.email, DEFAULT_PASSWORD)
    assert clerk.get("/inventory").status_code == 200
    login(client, admin.email, DEFAULT_PASSWORD)
    page = client.get(f"/account/members/{membership.id}").get_data(as_text=True)
    assert "更改角色" in page and "移出本机构" in page
    changed = client.post(f"/account/members/{membership.id}/role",
                          data={"csrf_token": csrf_token_from(page), "role": "auditor"})
    assert changed.status_code == 302
    session.refresh(membership)
    assert membership.role == "auditor"
    assert clerk.post("/inventory/records", data={}).status_code in {400, 403}  # an auditor never writes
    removed = client.post(f"/account/members/{membership.id}/remove", data={"csrf_token": csrf_token_from(page)})
    assert removed.status_code == 302
    assert session.exec(select(Membership).where(Membership.user_id == staff.id)).first() is None
    assert clerk.get("/inventory").status_code in {302, 401, 404}  # signed out everywhere: no way back in


def test_the_last_admin_keeps_the_role_and_cannot_be_removed(session, client, acme):
    from accounts.models import Membership

    organisation, _sites = acme
    admin = make_user(session, organisation, role="admin")
    membership = session.exec(select(Membership).where(Membership.user_id == admin.id)).one()
    login(client, admin.email, DEFAULT_PASSWORD)
    page = client.get(f"/account/members/{membership.id}").get_data(as_text=True)
    client.post(f"/account/members/{membership.id}/role", data={"csrf_token": csrf_token_from(page), "role": "staff"})
    client.post(f"/account/members/{membership.id}/remove", data={"csrf_token": csrf_token_from(page)})
    session.refresh(membership)
    assert membership.role == "admin"
    assert "本机构最后一位管理员保留该角色" in client.get(f"/account/members/{membership.id}").get_data(as_text=True)


def test_an_admin_cannot_touch_another_organisations_member(session, client, acme):
    from accounts.models import Membership

    organisation, _sites = acme
    admin = make_user(session, organisation, role="admin")
    other = make_organisation(session)
    outsider = make_user(session, other, role="staff")
    membership = session.exec(select(Membership).where(Membership.user_id == outsider.id)).one()
    login(client, admin.email, DEFAULT_PASSWORD)
    page = client.get("/account").get_data(as_text=True)
    response = client.post(f"/account/members/{membership.id}/role",
                           data={"csrf_token": csrf_token_from(page), "role": "admin"})
    assert response.status_code == 404
    session.refresh(membership)
    assert membership.role == "staff"
