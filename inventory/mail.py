"""Sending mail: a file mailer by default (each message a .eml file under instance/mail/), SMTP when configured."""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)


class Mailer(Protocol):
    def send(self, to: str, subject: str, body: str) -> None: ...


def _message(sender: str, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "tanzhong.local")
    message.set_content(body)
    return message


@dataclass(frozen=True)
class FileMailer:
    """Writes each message to `directory` (one .eml file) and logs that it did: for development and tests."""

    directory: Path
    sender: str = "no-reply@tanzhong.local"

    def send(self, to: str, subject: str, body: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        message = _message(self.sender, to, subject, body)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        path = self.directory / f"{stamp}-{to.replace('@', '_at_')}.eml"
        path.write_bytes(message.as_bytes())
        log.info("mail to %s written to %s", to, path)

    def messages(self) -> list[EmailMessage]:
        """The messages written so far, oldest first."""
        from email import message_from_bytes, policy

        if not self.directory.exists():
            return []
        return [message_from_bytes(p.read_bytes(), policy=policy.default)
                for p in sorted(self.directory.glob("*.eml"))]


@dataclass(frozen=True)
class SmtpMailer:
    host: str
    port: int
    sender: str
    user: str = ""
    password: str = ""
    starttls: bool = True

    def send(self, to: str, subject: str, body: str) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=30) as smtp:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.user:
                smtp.login(self.user, self.password)
            smtp.send_message(_message(self.sender, to, subject, body))


def mailer_for(settings) -> Mailer:
    """SMTP when MAIL_SMTP_HOST is set, else the file mailer under the instance folder."""
    if settings.mail_smtp_host:
        return SmtpMailer(settings.mail_smtp_host, settings.mail_smtp_port, settings.mail_from,
                          settings.mail_smtp_user, settings.mail_smtp_password, settings.mail_smtp_starttls)
    return FileMailer(Path(settings.instance_dir) / "mail", settings.mail_from)
