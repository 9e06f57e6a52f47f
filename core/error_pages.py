"""What an error page says, per status (and per code where one status has several causes), and where it leads."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user


@dataclass(frozen=True)
class ErrorPage:
    title: object
    explanation: object
    next_step: object


ERROR_PAGES: dict[int | str, ErrorPage] = {
    400: ErrorPage(_l("The request could not be understood"),
                   _l("This page received something it cannot read, for example a link that was changed by hand "
                      "or a form with characters that are not accepted."),
                   _l("Go back and try again. If you followed a link, open it again from where you found it.")),
    # Flask-WTF refuses a form whose security token is missing, expired or from another session.
    "csrf_failed": ErrorPage(
        _l("The form could not be accepted"),
        _l("Every form on this site carries a security token that proves it was sent from this site by you. The "
           "token of this form was missing or no longer valid. This usually happens when the page was open for a "
           "long time, when you signed in or out in another tab, or when the browser blocks cookies."),
        _l("Go back to the form, reload the page and send it again. Allow cookies for this site if the browser "
           "blocks them.")),
    401: ErrorPage(_l("Please sign in"),
                   _l("This page is for the members of an organisation."),
                   _l("Sign in, then open the page again.")),
    403: ErrorPage(_l("You may not do this"),
                   _l("Your role in this organisation does not allow this page or action."),
                   _l("Ask an administrator of your organisation for a role that allows it, or go back.")),
    404: ErrorPage(_l("Not found"),
                   _l("The page or object does not exist, or it belongs to another organisation."),
                   _l("Check the address, or start again from one of the links below.")),
    405: ErrorPage(_l("This address does not accept this request"),
                   _l("The address exists, but not for this kind of request, for example when the address of a "
                      "form's button is opened as a link."),
                   _l("Open the page again and use its buttons and forms.")),
    409: ErrorPage(_l("This conflicts with what is already saved"),
                   _l("Someone or something changed the same data in the meantime, or it already exists."),
                   _l("Reload the page to see what is saved now, then try again.")),
    413: ErrorPage(_l("The upload is too large"),
                   _l("The file or form that was sent is larger than this service accepts."),
                   _l("Send a smaller file, or split it into several parts.")),
    415: ErrorPage(_l("This kind of content is not accepted"),
                   _l("The request was sent in a format this address does not read."),
                   _l("Go back and send the form again from its page.")),
    422: ErrorPage(_l("Some input is not valid"),
                   _l("Part of what was sent is missing or outside the accepted values."),
                   _l("Go back, correct the input and send it again.")),
    429: ErrorPage(_l("Too many requests"),
                   _l("To protect the service, each address may send only a limited number of requests in a short "
                      "time, and that number was reached."),
                   _l("Please wait a minute and try again.")),
    500: ErrorPage(_l("Something went wrong on our side"),
                   _l("The error has been logged. Nothing you saved before was lost."),
                   _l("Try again in a moment. If it happens again, tell your administrator what you were doing.")),
    503: ErrorPage(_l("The service is unavailable"),
                   _l("The service cannot reach what it needs right now, for example its database."),
                   _l("Please try again in a few minutes.")),
}
GENERIC = ErrorPage(_l("Error"), _l("The request could not be completed."), _l("Go back and try again."))
# Statuses after which asking for the same page again (a GET) may well work.
RETRYABLE = {409, 429, 500, 503}


def error_page(status: int, code: str) -> ErrorPage:
    return ERROR_PAGES.get(code) or ERROR_PAGES.get(status) or GENERIC


def _same_site_referrer() -> str | None:
    referrer = request.referrer
    if not referrer:
        return None
    parts = urlsplit(referrer)
    if parts.netloc != request.host or parts.scheme not in ("http", "https"):
        return None  # never lead the reader to another site
    here = request.path if not request.query_string else request.full_path
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    # A refused POST came from its own form's page, which is where to go back to; a GET must not link to itself.
    return target if target and (target != here or request.method != "GET") else None


def error_links(status: int, code: str) -> list[tuple[object, str]]:
    """(label, address) of the ways on from an error page: back where the reader was, again, then home."""
    links: list[tuple[object, str]] = []
    back = _same_site_referrer()
    if back:
        links.append((_l("Back to the form") if code == "csrf_failed" else _l("Back to the previous page"), back))
    rule = request.url_rule
    can_get = rule is not None and "GET" in (rule.methods or ())
    if can_get and (status in RETRYABLE or code == "csrf_failed") and request.path != back:
        links.append((_l("Open the page again"), request.full_path if request.query_string else request.path))
    if status == 401:
        links.append((_l("Sign in"), url_for("accounts.login")))
    if current_user.is_authenticated:
        links.append((_l("My meetings"), url_for("meetings.list_events")))
    links.append((_l("Home page"), url_for("core.index")))
    return links
