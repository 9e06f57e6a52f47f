"""Sign-in, roles, CSRF, API keys and tenant isolation, through the test client."""

from __future__ import annotations

import re

from sqlmodel import select

from accounts import service as accounts
from accounts.models import ApiKey, Role
from db import utcnow
from tests.conftest import csrf_token_from, login
from tests.factories import DEFAULT_PASSWORD, make_event, make_organisation, make_user


def test_a_wrong_password_is_refused_with_a_form_error_and_no_session(client, session):
    org = make_organisation(session)
    user = make_user(session, org)
    response = login(client, user.email, "not the password")
    assert response.status_code == 401
    assert "错误" in response.get_data(as_text=True)  # zh_CN is the default language
    assert client.get("/account").status_code == 302


def test_an_unknown_email_gets_the_same_answer_as_a_wrong_password(client, session):
    response = login(client, "nobody@example.org", DEFAULT_PASSWORD)
    assert response.status_code == 401


def test_the_right_password_signs_in_and_shows_the_organisation(client, session):
    org = make_organisation(session, name_zh="北京绿会", name_en="Beijing Green Meetings")
    user = make_user(session, org, role=Role.admin)
    response = login(client, user.email.upper(), DEFAULT_PASSWORD)
    assert response.status_code == 302
    page = client.get("/account")
    assert page.status_code == 200
    assert "北京绿会" in page.get_data(as_text=True)


def test_login_redirects_only_to_paths_on_this_site(client, session):
    org = make_organisation(session)
    user = make_user(session, org)
    page = client.get("/login?next=https://evil.example/")
    token = csrf_token_from(page.get_data(as_text=True))
    response = client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD,
                                           "csrf_token": token, "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_a_form_post_without_csrf_token_is_rejected(client, session):
    org = make_organisation(session)
    user = make_user(session, org, role=Role.admin)
    response = client.post("/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert "安全令牌" in response.get_data(as_text=True)  # the page explains the refused form in words
    assert login(client, user.email, DEFAULT_PASSWORD).status_code == 302
    response = client.post("/account/api-keys", data={"name": "sneaky"})
    assert response.status_code == 400
    assert accounts.list_api_keys(session=session, organisation_id=org.id) == []


def test_an_admin_creates_an_api_key_shown_once_and_stored_only_as_a_hash(client, session):
    org = make_organisation(session)
    user = make_user(session, org, role=Role.admin)
    login(client, user.email, DEFAULT_PASSWORD)
    token = csrf_token_from(client.get("/account").get_data(as_text=True))
    response = client.post("/account/api-keys", data={"name": "reporting", "csrf_token": token})
    assert response.status_code == 201
    html = response.get_data(as_text=True)
    secret = html.split('<code class="secret">')[1].split("</code>")[0]
    assert secret.startswith("tzk_")
    key = session.exec(select(ApiKey).where(ApiKey.organisation_id == org.id)).one()
    assert secret not in (key.key_hash, key.prefix) and len(key.key_hash) == 64
    assert secret not in client.get("/account").get_data(as_text=True)
    api = client.get("/api/v1/organisation", headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 200 and api.json["slug"] == org.slug


def test_a_revoked_api_key_is_refused(client, session):
    org = make_organisation(session)
    user = make_user(session, org, role=Role.admin)
    key, secret = accounts.create_api_key(session=session, organisation_id=org.id, name="ci")
    login(client, user.email, DEFAULT_PASSWORD)
    token = csrf_token_from(client.get("/account").get_data(as_text=True))
    assert client.post(f"/account/api-keys/{key.id}/revoke", data={"csrf_token": token}).status_code == 302
    response = client.get("/api/v1/organisation", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"
    assert "revoked" in response.json["error"]["message"]


def test_an_auditor_may_read_but_not_create_api_keys(client, session):
    org = make_organisation(session)
    user = make_user(session, org, role=Role.auditor)
    login(client, user.email, DEFAULT_PASSWORD)
    page = client.get("/account")
    assert page.status_code == 200
    token = csrf_token_from(page.get_data(as_text=True))
    assert client.post("/account/api-keys", data={"name": "x", "csrf_token": token}).status_code == 403
    assert accounts.list_api_keys(session=session, organisation_id=org.id) == []


def test_a_member_of_one_organisation_gets_404_for_every_object_of_another(client, session):
    org_a, org_b = make_organisation(session), make_organisation(session)
    user_a = make_user(session, org_a, role=Role.admin)
    make_user(session, org_b, role=Role.admin)
    member_b = accounts.list_members(session=session, organisation_id=org_b.id)[0]
    key_b, _secret_b = accounts.create_api_key(session=session, organisation_id=org_b.id, name="b")
    _key_a, secret_a = accounts.create_api_key(session=session, organisation_id=org_a.id, name="a")

    login(client, user_a.email, DEFAULT_PASSWORD)
    token = csrf_token_from(client.get("/account").get_data(as_text=True))
    assert client.get(f"/account/members/{member_b.membership_id}").status_code == 404
    assert client.post(f"/account/api-keys/{key_b.id}/revoke", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/account/organisations/{org_b.id}/switch", data={"csrf_token": token}).status_code == 404
    assert org_b.name_zh not in client.get("/account").get_data(as_text=True)
    api = client.get(f"/api/v1/api-keys/{key_b.id}", headers={"Authorization": f"Bearer {secret_a}"})
    assert api.status_code == 404
    assert api.json["error"]["code"] == "not_found"
    session.refresh(key_b)
    assert key_b.revoked_at is None


def test_signing_out_ends_the_session(client, session):
    org = make_organisation(session)
    user = make_user(session, org)
    login(client, user.email, DEFAULT_PASSWORD)
    token = csrf_token_from(client.get("/account").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/account").status_code == 302


def test_login_is_rate_limited_per_address(app, session, tmp_path):
    from app import create_app
    from tests.conftest import make_test_settings

    limited = create_app(make_test_settings(tmp_path, login_rate_limit="3 per minute"),
                         database=app.extensions["db"])
    client = limited.test_client()
    statuses = [login(client, "x@example.org", "wrong password").status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]


def test_users_create_cli_makes_a_member_and_refuses_a_duplicate(app, session):
    org = make_organisation(session, slug="cli-org")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "new@example.org", "--org", "cli-org", "--role", "staff",
                                 "--password", "long enough password"])
    assert result.exit_code == 0, result.output
    assert [m.email for m in accounts.list_members(session=session, organisation_id=org.id)] == ["new@example.org"]
    again = runner.invoke(args=["users", "create", "new@example.org", "--org", "cli-org", "--role", "staff",
                                "--password", "long enough password"])
    assert again.exit_code != 0 and "already exists" in again.output
    short = runner.invoke(args=["users", "create", "b@example.org", "--org", "cli-org", "--role", "staff",
                                "--password", "short"])
    assert short.exit_code != 0 and "too short" in short.output


def test_a_session_cookie_kept_from_before_signing_out_is_refused(client, session):
    org = make_organisation(session)
    user = make_user(session, org)
    login(client, user.email, DEFAULT_PASSWORD)
    stolen = client.get_cookie("session").value
    token = csrf_token_from(client.get("/account").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    replay = client.application.test_client()
    replay.set_cookie("session", stolen)
    response = replay.get("/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_signing_in_again_after_signing_out_works(client, session):
    org = make_organisation(session)
    user = make_user(session, org)
    login(client, user.email, DEFAULT_PASSWORD)
    client.post("/logout", data={"csrf_token": csrf_token_from(client.get("/account").get_data(as_text=True))})
    assert login(client, user.email, DEFAULT_PASSWORD).status_code == 302
    assert client.get("/account").status_code == 200


def test_a_session_expires_after_its_lifetime_however_active_it_is(app, client, session):
    org = make_organisation(session)
    user = make_user(session, org)
    login(client, user.email, DEFAULT_PASSWORD)
    assert client.get("/account").status_code == 200
    lifetime = app.permanent_session_lifetime.total_seconds()
    with client.session_transaction() as cookie:
        cookie["signed_in_at"] -= lifetime - 5  # still five seconds to go
    assert client.get("/account").status_code == 200
    with client.session_transaction() as cookie:
        cookie["signed_in_at"] -= 10
    response = client.get("/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_session_cookie_expires_with_the_session(client, session):
    org = make_organisation(session)
    user = make_user(session, org)
    response = login(client, user.email, DEFAULT_PASSWORD)
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "Expires=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_pages_for_members_are_never_cached(client, session):
    org = make_organisation(session)
    user = make_user(session, org, role=Role.admin)
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    login(client, user.email, DEFAULT_PASSWORD)
    account = client.get("/account")
    assert account.headers["Cache-Control"] == "no-store"
    token = csrf_token_from(account.get_data(as_text=True))
    created = client.post("/account/api-keys", data={"name": "ci", "role": "read_only", "csrf_token": token})
    assert created.status_code == 201 and created.headers["Cache-Control"] == "no-store"
    assert client.get("/events").headers["Cache-Control"] == "no-store"


def test_an_api_key_is_created_with_a_role_and_its_last_use_recorded(client, session):
    org = make_organisation(session)
    user = make_user(session, org, role=Role.admin)
    login(client, user.email, DEFAULT_PASSWORD)
    token = csrf_token_from(client.get("/account").get_data(as_text=True))
    page = client.post("/account/api-keys", data={"name": "dashboard", "role": "organiser", "csrf_token": token})
    [key] = session.exec(select(ApiKey).where(ApiKey.organisation_id == org.id)).all()
    assert key.role == "organiser" and key.last_used_at is None
    secret = re.search(r'<code class="secret">([^<]+)</code>', page.get_data(as_text=True)).group(1)
    response = client.get("/api/v1/organisation", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    session.refresh(key)
    assert key.last_used_at is not None and abs((utcnow() - key.last_used_at).total_seconds()) < 60


def test_a_read_only_api_key_reads_but_does_not_write(client, session):
    org = make_organisation(session)
    event = make_event(session, org)
    _key, secret = accounts.create_api_key(session=session, organisation_id=org.id, name="reader")
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get(f"/api/v1/events/{event.id}/snapshots", headers=headers).status_code == 200
    refused = client.post(f"/api/v1/events/{event.id}/snapshots", headers=headers)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    _key, organiser = accounts.create_api_key(session=session, organisation_id=org.id, name="writer",
                                              role="organiser")
    taken = client.post(f"/api/v1/events/{event.id}/snapshots", headers={"Authorization": f"Bearer {organiser}"})
    assert taken.status_code == 201


def test_keys_create_cli_prints_a_working_key_once(app, client, session):
    org = make_organisation(session, slug="keys-org")
    result = app.test_cli_runner().invoke(args=["keys", "create", "--org", "keys-org", "--role", "read_only",
                                                "--name", "reporting"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip().splitlines()[-1]
    assert secret.startswith("tzk_")
    [key] = session.exec(select(ApiKey).where(ApiKey.organisation_id == org.id)).all()
    assert (key.name, key.role) == ("reporting", "read_only") and secret not in key.key_hash
    assert client.get("/api/v1/organisation", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    bad = app.test_cli_runner().invoke(args=["keys", "create", "--org", "nowhere", "--role", "organiser",
                                             "--name", "x"])
    assert bad.exit_code != 0 and "no organisation" in bad.output
