"""Onboarding mail: SMTP when a host is configured (a local SMTP server receives the invitation with its link), the
file mailer otherwise; an invitation link is refused once expired or used."""

from __future__ import annotations

import socketserver
import threading
from contextlib import contextmanager
from datetime import timedelta
from email import message_from_bytes, policy

import pytest

from db import utcnow
from errors import Conflict, NotFound
from inventory import onboarding
from inventory.mail import FileMailer, SmtpMailer, mailer_for
from inventory.rights import Actor
from tests.conftest import make_test_settings
from tests.factories import make_organisation, make_user

# The test's clock.
T0 = utcnow().replace(microsecond=0)


def _address(line: bytes) -> str:
    return line.decode().split("<", 1)[1].split(">", 1)[0]


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough of RFC 5321 for one message: EHLO, MAIL, RCPT, DATA, QUIT; what it receives goes to `inbox`."""

    def handle(self):
        envelope = {"rcpt": []}
        self.wfile.write(b"220 localhost ESMTP test\r\n")
        while line := self.rfile.readline():
            verb = line.decode().strip().split(" ", 1)[0].split(":", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.wfile.write(b"250 localhost\r\n")
            elif verb == "MAIL":
                envelope["from"] = _address(line)
                self.wfile.write(b"250 OK\r\n")
            elif verb == "RCPT":
                envelope["rcpt"].append(_address(line))
                self.wfile.write(b"250 OK\r\n")
            elif verb == "DATA":
                self.wfile.write(b"354 end with <CRLF>.<CRLF>\r\n")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                self.server.inbox.append((envelope, data))
                self.wfile.write(b"250 OK\r\n")
            elif verb == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"502 not implemented\r\n")


@contextmanager
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpHandler)
    server.inbox = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_the_mailer_is_smtp_when_a_host_is_set_and_files_otherwise(tmp_path):
    assert mailer_for(make_test_settings(tmp_path)) == FileMailer(tmp_path / "mail", "no-reply@tanzhong.local")
    smtp = mailer_for(make_test_settings(tmp_path, mail_smtp_host="mail.example.org", mail_smtp_port=2525,
                                         mail_from="carbon@example.org", mail_smtp_user="u",
                                         mail_smtp_password="p"))
    assert smtp == SmtpMailer("mail.example.org", 2525, "carbon@example.org", "u", "p", True)


def test_an_invitation_goes_out_over_smtp_with_its_link(session):
    organisation = make_organisation(session)
    admin = make_user(session, organisation, role="admin")
    with smtp_server() as server:
        mailer = SmtpMailer("127.0.0.1", server.server_address[1], "carbon@example.org", starttls=False)
        onboarding.invite_member(session=session, actor=Actor.member(organisation.id, admin.id, "admin"),
                                 email="Li.Lei@Example.org", role="staff", link_base="https://t.example/invitations/",
                                 mailer=mailer, organisation_name="绿色制造", now=T0)
        (envelope, data), = server.inbox
    assert envelope == {"from": "carbon@example.org", "rcpt": ["li.lei@example.org"]}
    message = message_from_bytes(data, policy=policy.default)
    assert message["To"] == "li.lei@example.org" and "绿色制造" in message["Subject"]
    token = message.get_body().get_content().split("https://t.example/invitations/")[1].split()[0]
    assert onboarding.invitation_for(session=session, token=token, now=T0).email == "li.lei@example.org"


def test_an_invitation_link_is_refused_once_expired_or_used(session, tmp_path):
    organisation = make_organisation(session)
    admin = make_user(session, organisation, role="admin")
    mailer = FileMailer(tmp_path / "mail")
    actor = Actor.member(organisation.id, admin.id, "admin")

    def invite(email: str) -> str:
        onboarding.invite_member(session=session, actor=actor, email=email, role="staff", link_base="x/", mailer=mailer,
                                 now=T0)
        return mailer.messages()[-1].get_body().get_content().split("x/")[1].split()[0]

    late = invite("late@example.org")
    with pytest.raises(Conflict) as expired:
        onboarding.accept_invitation(session=session, token=late, display_name="迟到", password="a long new password",
                                     now=T0 + onboarding.INVITATION_LIFETIME + timedelta(seconds=1))
    assert expired.value.code == "invitation_expired"
    timely = invite("timely@example.org")
    user = onboarding.accept_invitation(session=session, token=timely, display_name="准时",
                                        password="a long new password", now=T0 + timedelta(days=6))
    assert user.email == "timely@example.org"
    with pytest.raises(Conflict) as used:
        onboarding.accept_invitation(session=session, token=timely, display_name="准时",
                                     password="a long new password", now=T0 + timedelta(days=6, minutes=1))
    assert used.value.code == "invitation_used"
    with pytest.raises(NotFound):
        onboarding.invitation_for(session=session, token="not-a-token", now=T0)
