"""The Reminders page's own requests (htmx): HTML fragments beside the JSON API, same checks and store.

Each answer is a fragment of the page (templates/partials/reminder_*.html): the one the
request targets, plus the others it changed as out-of-band swaps. The page's script adds
the subscription (endpoint and keys) to every request (htmx:configRequest), since only the
browser has it. A field error is answered with 422 and shown by the server next to its
field; the page's htmx configuration swaps that in.

These routes answer htmx only (the HX-Request header, which a form on another site cannot
send), and vary on it. Their text is in the page's language (`?lang=` in their URL), and a
saved reminder keeps that language, as the JSON API keeps the request's.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import get_origin
from zoneinfo import ZoneInfo

from babel.dates import get_timezone_location
from flask import Blueprint, Flask, current_app, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from ..db import get_db
from ..errors import BODY_LIMIT
from ..weekdays import DAYS, day_names
from . import service
from .models import Reminder
from .schema import Proof, ReminderRequest, Settings, fields_wrong, problem
from .tonight import tonight
from .validation import Invalid

# A fragment's HTML, status and headers (Vary: HX-Request).
Fragment = tuple[str, int, dict[str, str]]

bp = Blueprint("reminder_pages", __name__, url_prefix="/reminders")

DEFAULT_FORM = {"time": "21:30", "timezone": "", "days": list(DAYS), "quiet": False}
SETTINGS = ("time", "timezone", "days")  # the fields a person fills in, each with its own error


def field_errors() -> dict[str, str]:
    """What a person can get wrong in the form, said in their language (the API's words are English)."""
    return {
        "time": _("Enter a time from 00:00 to 23:59, such as 21:30."),
        "timezone": _("That time zone is not known. Choose one from the list, such as Europe/Madrid."),
        "days": _("Choose at least one day."),
    }


def _form_text(name: str) -> str:
    """One text field of the request's form, no longer than a field can be."""
    value = request.form.get(name, "")
    return value[:2048]


def posted_form() -> dict:
    """The schema's Settings as the form posted them: a checkbox is on or off, a list every value."""
    form: dict = {}
    for name, field in Settings.model_fields.items():
        if field.annotation is bool:
            form[name] = request.form.get(name) == "on"
        elif get_origin(field.annotation) is list:
            form[name] = [value[:2048] for value in request.form.getlist(name)[:16]]
        else:
            form[name] = _form_text(name).strip()
    return form


def posted_request() -> dict:
    """The form as the schema's ReminderRequest (the page's script adds the subscription)."""
    subscription = {
        "endpoint": _form_text("endpoint"),
        "keys": {"p256dh": _form_text("p256dh"), "auth": _form_text("auth")},
    }
    return {"subscription": subscription, **posted_form()}


def posted_proof() -> Proof | None:
    """This phone's subscription as the page sent it (endpoint and auth), or None if it is not one."""
    try:
        data = {"endpoint": _form_text("endpoint"), "auth": _form_text("auth")}
        return Proof.model_validate(data, context=service.schema_context(current_app))
    except ValidationError as error:
        current_app.logger.info("reminders page request refused: %s", problem(error))
        return None


def stored() -> Reminder | None:
    """This phone's stored reminder, if the request proves it is this phone's."""
    proof = posted_proof()
    return service.owned(get_db(), proof) if proof else None


def zone_name(zone: str) -> str:
    """A time zone as people know it, in the page's language: its main city ("Москва" for
    Europe/Moscow, "Nueva York" for America/New_York, from CLDR through Babel); else its IANA name."""
    if zone.startswith("Etc/"):  # "Etc/GMT+3" is three hours behind: CLDR would call it "GMT+3"
        return zone
    try:
        return str(get_timezone_location(zone, locale=get_locale() or "en", return_city=True))
    except (LookupError, ValueError):
        return zone


def _local_hhmm(instant: datetime, zone: str) -> str:
    return instant.astimezone(ZoneInfo(zone)).strftime("%H:%M")


def status_of(reminder: Reminder | None, saved: bool = False) -> dict:
    """What the status line says about this phone's reminder, tonight included."""
    if reminder is None:
        return {"on": False, "text": _("Reminders are off.")}
    names = dict(day_names())
    days = reminder.day_list()
    when = _("every day") if len(days) == 7 else ", ".join(names[d] for d in days)
    text = _(
        "Reminders are on: %(time)s on %(days)s (%(timezone)s).",
        time=reminder.local_time,
        days=when,
        timezone=zone_name(reminder.timezone),
    )
    now = datetime.now(UTC)
    state = tonight(reminder, now)
    said = ""
    if state.done:
        said = _("Tonight’s routine is done, so there is no reminder tonight.")
    elif state.snoozed_until:
        said = _(
            "You chose “Later”: one more reminder tonight at %(time)s.",
            time=_local_hhmm(state.snoozed_until, reminder.timezone),
        )
    return {"on": True, "text": text, "tonight": said, "settings": reminder.settings(), "saved": saved}


def form_of(reminder: Reminder | None) -> dict:
    return reminder.settings() if reminder is not None else dict(DEFAULT_FORM)


def fragments(
    primary: str,
    *,
    form: dict,
    on: bool,
    status: dict,
    errors: dict | None = None,
    with_form: bool = True,
    code: int = 200,
) -> Fragment:
    """The primary fragment, then the others as out-of-band swaps; Vary: HX-Request."""
    names = ("form", "status", "actions") if with_form else ("status", "actions")
    ordered = [primary, *[n for n in names if n != primary]]
    context = {"form": form, "on": on, "status": status, "errors": errors or {}, "day_names": day_names()}
    html = "".join(
        render_template(f"partials/reminder_{name}.html", oob=name != primary, **context) for name in ordered
    )
    return html, code, {"Vary": "HX-Request", "Cache-Control": "no-store"}


def message(text: str, code: int = 200) -> Fragment:
    """Only the status line, saying one thing (a test sent, or why not)."""
    html = render_template("partials/reminder_status.html", oob=False, status={"message": text})
    return html, code, {"Vary": "HX-Request", "Cache-Control": "no-store"}


@bp.before_request
def htmx_only() -> Fragment | None:
    """Only the page's own requests: htmx sends HX-Request, which no cross-site form can."""
    if request.headers.get("HX-Request") != "true":
        return message(_("This address answers the Reminders page only."), 400)
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        return message(_("This address answers the Reminders page only."), 400)
    if request.content_length is not None and request.content_length > BODY_LIMIT:
        raise Invalid(f"the request body is larger than {BODY_LIMIT} bytes", 413)
    request.max_content_length = BODY_LIMIT
    return None


@bp.post("/status")
def status() -> Fragment:
    """What the server has for this subscription: the form filled in, the status, the buttons."""
    reminder = stored()
    return fragments("status", form=form_of(reminder), on=reminder is not None, status=status_of(reminder))


@bp.post("/settings")
def save() -> Fragment:
    """Turn on or change: every field checked by the schema, each problem shown next to its field (422)."""
    try:
        checked = ReminderRequest.model_validate(posted_request(), context=service.schema_context(current_app))
        _created, reminder = service.save(get_db(), checked, str(get_locale() or "en"))
    except ValidationError as error:
        return refused(fields_wrong(error), problem(error))
    except Invalid as error:  # a stored endpoint with other keys, and no proof of the old ones
        return refused({"subscription"}, error.message)
    return fragments("form", form=form_of(reminder), on=True, status=status_of(reminder, saved=True))


def refused(wrong: set[str], why: str) -> Fragment:
    """The form again as posted, each field that is wrong marked, the status saying what to do."""
    current_app.logger.info("reminder form refused: %s", why)
    texts = field_errors()
    errors = {field: texts[field] for field in SETTINGS if field in wrong}
    if wrong - set(SETTINGS):
        errors["subscription"] = _("This browser’s push subscription was not accepted. Reload the page and try again.")
    reminder = stored() if "subscription" not in errors else None
    said = errors.get("subscription") or _("Not saved: see the field marked above.")
    on = reminder is not None
    return fragments("form", form=posted_form(), on=on, status={"message": said}, errors=errors, code=422)


@bp.post("/off")
def off() -> Fragment:
    """Forget this subscription (also fine when it is unknown, or not this phone's)."""
    proof = posted_proof()
    if proof is None:
        raise Invalid("endpoint: not a push subscription")
    service.forget(get_db(), proof)
    form = posted_form() if request.form.get("time") is not None else dict(DEFAULT_FORM)
    return fragments("status", form=form, on=False, status=status_of(None))


@bp.post("/test")
def test() -> Fragment:
    """A test reminder now; the status line says whether it went."""
    proof = posted_proof()
    try:
        if proof is None:
            raise Invalid(service.NOT_FOUND, 404)
        service.test_send(current_app, get_db(), proof)
    except service.NotSetUp:
        return message(
            _(
                "This server is not yet set up to send reminders to phones: whoever runs it must set its "
                "contact address (CALMCALF_VAPID_SUBJECT)."
            ),
            503,
        )
    except Invalid as problem_:
        texts = {
            404: _("This phone has no reminder on the server. Turn reminders on again."),
            429: _("You have sent a few test reminders already. Try again in an hour."),
            502: _("Your phone’s push service did not take the test reminder. Try again later."),
            503: _("Too many test reminders are being sent right now. Try again in a minute."),
        }
        return message(texts.get(problem_.status, _("That did not work.")), problem_.status)
    return message(_("A test reminder is on its way."))


@bp.errorhandler(Invalid)
def invalid(error: Invalid) -> Fragment:
    current_app.logger.info("reminders page request refused: %s", error.message)
    texts = {413: _("That was too much to send. Reload the page and try again.")}
    said = texts.get(error.status, _("That did not work. Reload the page and try again."))
    html, code, headers = message(said, error.status)
    return html, code, {**headers, **error.headers}


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_error: RequestEntityTooLarge) -> Fragment:
    return message(_("That was too much to send. Reload the page and try again."), 413)


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException) -> Fragment:
    """A rate limit (429) or another HTTP error, said in the status line."""
    if error.code == 429:
        return message(_("Too many tries in a short time. Wait a minute, then try again."), 429)
    return message(_("That did not work. Reload the page and try again."), error.code or 400)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)  # the factory gives it the API's rate limit (app.limits)
