"""Reminders that act, end to end: the real worker shows "Start routine" and "Later"; "Later" makes
the server send exactly one more reminder 30 minutes on (fake push service, dispatcher clock
moved); a night marked done by the finished routine gets no reminder that evening, but the
next; and the Reminders page works through htmx under the strict CSP.

Only pushManager is stubbed (it cannot reach a push service here), in the page and, for
"Later", in the worker; the rest is real: the server, its database, the dispatcher, the
worker's own handlers and the fake push service that checks VAPID and decrypts.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from sqlalchemy import update

from app.db import get_db
from app.reminders.dispatch import Dispatcher
from app.reminders.models import Reminder
from app.reminders.schedule import to_naive_utc
from app.reminders.tonight import night_of
from tests.browser.conftest import PHONE, wait_for_offline_ready, wait_until
from tests.browser.test_reminders import STUB, registration_id, stored
from tests.test_translations import LOCALES


def worker_subscription(subscriber) -> str:
    """A stand-in for the worker's PushSubscription (no push service here): its endpoint and toJSON()."""
    return (
        f"({{ endpoint: {json.dumps(subscriber.endpoint)}, toJSON: () => ({json.dumps(subscriber.subscription())}) }})"
    )


def evening_zone(now: datetime) -> str:
    """A fixed-offset zone where it is about 20:00 now: far from noon and from midnight."""
    offset = (20 - now.hour + 12) % 24 - 12  # -12 … +11 hours
    if offset == 0:
        return "UTC"
    return f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"  # (POSIX signs: Etc/GMT-5 is UTC+5)


NOW = datetime.now(UTC)
ZONE = evening_zone(NOW)


@pytest.fixture
def phone(browser, server):
    context = browser.new_context(**PHONE, timezone_id=ZONE)
    context.grant_permissions(["notifications"], origin=server.url)
    yield context
    context.close()


def watched(page) -> list[str]:
    """Script errors and CSP violations in this page, collected as they happen."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda msg: (
            problems.append(msg.text)
            if msg.type == "error" and ("Content Security Policy" in msg.text or "Refused" in msg.text)
            else None
        ),
    )
    return problems


def turn_on(page, server, subscriber) -> None:
    page.add_init_script(f"({STUB})({json.dumps(subscriber.subscription())})")
    page.goto(server.url + "/reminders")
    page.wait_for_selector("#reminders[data-ready]")
    expect(page.locator("#reminder-timezone")).to_have_value(ZONE)
    page.locator("#reminder-on").click()
    expect(page.locator("#reminder-state")).to_contain_text("Reminders are on")
    wait_until(
        page,
        "!!localStorage.getItem('calmcalf.reminder-lang') && caches.match('/__reminder-settings').then((r) => !!r)",
    )


def due_at(server, instant: datetime) -> None:
    """Move the stored reminder's next send to `instant`, as test_dispatch does."""
    with get_db(server.app).session() as session:
        session.execute(update(Reminder).values(next_due_at=to_naive_utc(instant)))


def dispatch(server, now: datetime) -> int:
    return Dispatcher(server.app, workers=4).run_once(now).sent


def deliver(phone, page, server, payload: dict) -> None:
    cdp = phone.new_cdp_session(page)
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": server.url, "registrationId": registration_id(cdp, server.url + "/"), "data": json.dumps(payload)},
    )
    wait_until(page, "navigator.serviceWorker.ready.then((r) => r.getNotifications()).then((n) => n.length === 1)")


def test_a_reminder_shows_both_actions_and_later_sends_exactly_one_more_30_minutes_on(phone, server, push):
    subscriber = push.subscriber()
    page = phone.new_page()
    problems = watched(page)
    turn_on(page, server, subscriber)
    now = datetime.now(UTC)
    due_at(server, now - timedelta(minutes=1))
    assert dispatch(server, now) == 1  # tonight's reminder
    (message,) = push.received(subscriber)
    assert [a["action"] for a in message.payload["actions"]] == ["routine", "later"]

    wait_for_offline_ready(page)
    deliver(phone, page, server, message.payload)
    shown = page.evaluate("""navigator.serviceWorker.ready.then((r) => r.getNotifications())
        .then(([n]) => ({ max: Notification.maxActions, actions: n.actions.map((a) => [a.action, a.title]) }))""")
    assert shown["max"] >= 2
    assert shown["actions"] == [["routine", "Start routine"], ["later", "Later"]]

    # Headless Chromium cannot click a system notification: fire the worker's own click handler
    # with the real notification and the "Later" action. The worker's pushManager is stubbed
    # like the page's (no push service here): it returns this phone's subscription.
    (worker,) = phone.service_workers
    worker.evaluate(
        f"""self.registration.pushManager.getSubscription = async () => {worker_subscription(subscriber)};
        self.registration.getNotifications().then(([notification]) =>
          self.dispatchEvent(new NotificationEvent('notificationclick', {{ notification, action: 'later' }})))"""
    )
    wait_until(page, "navigator.serviceWorker.ready.then((r) => r.getNotifications()).then((n) => n.length === 0)")
    deadline = datetime.now(UTC) + timedelta(seconds=15)
    while not (reminder := stored(server)[0]).snoozed_until and datetime.now(UTC) < deadline:
        page.wait_for_timeout(100)
    snoozed = reminder.snoozed_until.replace(tzinfo=UTC)
    assert timedelta(minutes=30) <= snoozed - now <= timedelta(minutes=31)
    assert page.url == server.url + "/reminders"  # "Later" opens nothing

    # A second "Later" the same evening: the same handler's code path is refused, harmlessly.
    second = worker.evaluate("notificationClicked('later', { close() {}, data: {} })")
    assert second == "refused 409"
    assert stored(server)[0].snoozed_until == reminder.snoozed_until

    # The Reminders page says so, from the server.
    page.reload()
    expect(page.locator("#reminder-state")).to_contain_text("You chose “Later”: one more reminder tonight at")

    assert dispatch(server, snoozed - timedelta(seconds=30)) == 0
    assert dispatch(server, snoozed) == 1
    for later in (snoozed + timedelta(minutes=1), snoozed + timedelta(minutes=30), snoozed + timedelta(minutes=90)):
        assert dispatch(server, later) == 0
    assert len(push.received(subscriber)) == 2
    (reminder,) = stored(server)
    assert reminder.next_due_at.replace(tzinfo=UTC) > now + timedelta(hours=12)  # tomorrow, as usual
    assert problems == []


def test_start_routine_opens_the_routine(phone, server, push):
    page = phone.new_page()
    page.goto(server.url + "/")
    wait_for_offline_ready(page)
    payload = {"title": "t", "body": "b", "url": "/bedtime", "tag": "bedtime",
               "actions": [{"action": "routine", "title": "Start routine"}, {"action": "later", "title": "Later"}]}  # fmt: skip
    deliver(phone, page, server, payload)
    (worker,) = phone.service_workers
    worker.evaluate("""self.registration.getNotifications().then(([notification]) =>
        self.dispatchEvent(new NotificationEvent('notificationclick', { notification, action: 'routine' })))""")
    page.wait_for_url(server.url + "/bedtime")


def finish_routine(page, server) -> None:
    page.goto(server.url + "/bedtime")
    page.locator("#routine-start").click()
    page.clock.fast_forward("05:00")
    expect(page.locator("#routine-done")).to_be_visible()


def test_a_night_marked_done_gets_no_reminder_that_evening_but_does_the_next(phone, server, push):
    subscriber = push.subscriber()
    page = phone.new_page()
    problems = watched(page)
    page.clock.install()
    turn_on(page, server, subscriber)
    now = datetime.now(UTC)
    due_at(server, now + timedelta(minutes=20))  # tonight's reminder is still to come
    finish_routine(page, server)
    wait_until(page, "document.getElementById('routine').dataset.nightDone")
    assert page.evaluate("document.getElementById('routine').dataset.nightDone") == "sent"
    (reminder,) = stored(server)
    assert reminder.night_done == night_of(now, ZONE)
    assert dispatch(server, now + timedelta(minutes=20)) == 0
    assert dispatch(server, now + timedelta(hours=3)) == 0
    assert push.received(subscriber) == []
    tomorrow = reminder.next_due_at.replace(tzinfo=UTC)
    assert timedelta(hours=20) < tomorrow - now < timedelta(hours=28)  # the next evening at 21:30
    assert dispatch(server, tomorrow) == 1

    page.goto(server.url + "/reminders")
    due_at(server, now + timedelta(minutes=20))  # (as if it were still tonight, before the send)
    with get_db(server.app).session() as session:
        session.execute(update(Reminder).values(night_done=night_of(now, ZONE)))
    page.reload()
    expect(page.locator("#reminder-state")).to_contain_text("Tonight’s routine is done")
    assert problems == []


def test_offline_the_night_done_waits_and_goes_when_back_online(phone, server, push):
    subscriber = push.subscriber()
    page = phone.new_page()
    page.clock.install()
    turn_on(page, server, subscriber)
    wait_for_offline_ready(page)
    phone.set_offline(True)
    finish_routine(page, server)
    wait_until(page, "document.getElementById('routine').dataset.nightDone === 'waiting'")
    assert stored(server)[0].night_done is None
    assert page.evaluate("caches.match('/__night-done', { cacheName: 'calmcalf-settings' }).then((r) => r.json())")[
        "night"
    ] == night_of(datetime.now(UTC), ZONE)
    phone.set_offline(False)
    wait_until(page, "caches.match('/__night-done', { cacheName: 'calmcalf-settings' }).then((r) => !r)")
    assert stored(server)[0].night_done == night_of(datetime.now(UTC), ZONE)


def test_the_worker_sends_a_waiting_night_done_on_background_sync(phone, server, push):
    subscriber = push.subscriber()
    page = phone.new_page()
    turn_on(page, server, subscriber)
    wait_for_offline_ready(page)
    night = night_of(datetime.now(UTC), ZONE)
    page.evaluate(
        f"""import('/static/js/nightdone.js').then(() =>
        self.calmcalfNightDone.keep({json.dumps(night)}, Date.now() + 3600000))"""
    )
    (worker,) = phone.service_workers
    worker.evaluate(f"self.registration.pushManager.getSubscription = async () => {worker_subscription(subscriber)};")
    cdp = phone.new_cdp_session(page)
    cdp.send(
        "ServiceWorker.dispatchSyncEvent",
        {
            "origin": server.url,
            "registrationId": registration_id(cdp, server.url + "/"),
            "tag": "calmcalf-night-done",
            "lastChance": False,
        },
    )
    wait_until(page, "caches.match('/__night-done', { cacheName: 'calmcalf-settings' }).then((r) => !r)")
    assert stored(server)[0].night_done == night


@pytest.mark.parametrize("lang", LOCALES)
def test_the_reminders_page_works_through_htmx_under_the_strict_csp(browser, server, push, lang):
    """Turn on, a time the server refuses (shown by its field), a good time, turn off; axe at each step."""
    context = browser.new_context(**PHONE, timezone_id=ZONE, locale=lang)
    context.grant_permissions(["notifications"], origin=server.url)
    try:
        subscriber = push.subscriber()
        page = context.new_page()
        problems = watched(page)
        htmx_requests: list[str] = []
        page.on(
            "request",
            lambda r: (
                htmx_requests.append(r.url.split("?")[0].removeprefix(server.url))
                if r.headers.get("hx-request") == "true"
                else None
            ),
        )
        page.add_init_script(f"({STUB})({json.dumps(subscriber.subscription())})")
        page.goto(server.url + "/reminders")
        page.wait_for_selector("#reminders[data-ready]")
        assert page.evaluate("typeof htmx.version") == "string" and page.evaluate("htmx.config.allowEval") is False
        results = Axe().run(page)
        assert results.violations_count == 0, results.generate_report()

        page.locator("#reminder-time").fill("22:45")
        page.locator("#reminder-on").click()
        expect(page.locator("#reminder-summary")).to_have_attribute("data-on", "true")
        expect(page.locator("#reminder-test")).to_be_visible()
        (reminder,) = stored(server)
        assert (reminder.local_time, reminder.timezone, reminder.lang) == ("22:45", ZONE, lang)

        page.locator("#reminder-time").fill("")  # no time at all: only the server says what is wrong
        page.locator("#reminder-on").click()
        error = page.locator("#reminder-time-error")
        expect(error).not_to_be_empty()
        expect(page.locator("#reminder-time")).to_have_attribute("aria-invalid", "true")
        expect(page.locator("#reminder-time")).to_be_focused()
        box, field = error.bounding_box(), page.locator("#reminder-time").bounding_box()
        assert 0 <= box["y"] - (field["y"] + field["height"]) < 24  # right under its field
        assert stored(server)[0].local_time == "22:45"  # nothing changed
        results = Axe().run(page)
        assert results.violations_count == 0, results.generate_report()

        page.locator("#reminder-time").fill("21:05")
        page.locator("#reminder-on").click()
        expect(error).to_be_empty()
        expect(page.locator("#reminder-summary")).to_contain_text("21:05")
        assert stored(server)[0].local_time == "21:05"
        results = Axe().run(page)
        assert results.violations_count == 0, results.generate_report()

        page.locator("#reminder-off").click()
        expect(page.locator("#reminder-summary")).to_have_attribute("data-on", "false")
        expect(page.locator("#reminder-test")).to_have_count(0)
        assert stored(server) == []
        assert htmx_requests == ["/reminders/settings"] * 3 + ["/reminders/off"]
        assert problems == []
    finally:
        context.close()


def test_offline_the_page_says_reminders_need_a_connection(phone, server, push):
    page = phone.new_page()
    page.goto(server.url + "/reminders")
    wait_for_offline_ready(page)
    phone.set_offline(True)
    page.reload()
    page.wait_for_selector("#reminders[data-ready]")
    expect(page.locator("#reminders-offline")).to_be_visible()
    expect(page.locator("#reminders-offline")).to_contain_text("Reminders need a connection")
    phone.set_offline(False)
    expect(page.locator("#reminders-offline")).to_be_hidden()


def test_a_quiet_reminder_arrives_without_sound_or_vibration(phone, server, push):
    """The "quiet" field end to end: the form, the database, the dispatcher's message, the worker."""
    subscriber = push.subscriber()
    page = phone.new_page()
    problems = watched(page)
    page.add_init_script(f"({STUB})({json.dumps(subscriber.subscription())})")
    page.goto(server.url + "/reminders")
    page.wait_for_selector("#reminders[data-ready]")
    page.get_by_role("checkbox", name="Quiet: no sound or vibration").check()
    page.locator("#reminder-on").click()
    expect(page.locator("#reminder-state")).to_contain_text("Reminders are on")
    assert [r.quiet for r in stored(server)] == [True]
    wait_until(page, "caches.match('/__reminder-settings').then((r) => r && r.json()).then((s) => s && s.quiet)")
    page.reload()
    page.wait_for_selector("#reminders[data-ready]")
    expect(page.get_by_role("checkbox", name="Quiet: no sound or vibration")).to_be_checked()

    now = datetime.now(UTC)
    due_at(server, now - timedelta(minutes=1))
    assert dispatch(server, now) == 1
    (message,) = push.received(subscriber)
    assert message.payload["quiet"] is True
    wait_for_offline_ready(page)
    deliver(phone, page, server, message.payload)
    silent = page.evaluate("navigator.serviceWorker.ready.then((r) => r.getNotifications()).then(([n]) => n.silent)")
    assert silent is True
    assert problems == []


def test_the_worker_renews_a_replaced_subscription_with_the_old_secret(phone, server, push):
    """pushsubscriptionchange: new keys at the same endpoint go in with previousAuth; a new endpoint
    is saved and the old one deleted with its own secret. Nothing else could do either."""
    first = push.subscriber()
    page = phone.new_page()
    turn_on(page, server, first)
    wait_for_offline_ready(page)
    (worker,) = phone.service_workers
    rekeyed = push.subscriber()  # the same endpoint, with the keys of another subscription
    rekeyed_json = {**rekeyed.subscription(), "endpoint": first.endpoint}
    moved = push.subscriber()  # then a new endpoint altogether

    def renew(subscription: dict) -> None:
        worker.evaluate(
            f"""self.registration.pushManager.subscribe = async () => ({{ endpoint: {json.dumps(subscription["endpoint"])},
                  toJSON: () => ({json.dumps(subscription)}) }});
            self.dispatchEvent(new Event('pushsubscriptionchange'))"""
        )

    renew(rekeyed_json)
    deadline = datetime.now(UTC) + timedelta(seconds=15)
    while stored(server)[0].auth != rekeyed_json["keys"]["auth"] and datetime.now(UTC) < deadline:
        page.wait_for_timeout(100)
    (row,) = stored(server)
    assert (row.endpoint, row.auth) == (first.endpoint, rekeyed_json["keys"]["auth"])

    renew(moved.subscription())
    deadline = datetime.now(UTC) + timedelta(seconds=15)
    while [r.endpoint for r in stored(server)] != [moved.endpoint] and datetime.now(UTC) < deadline:
        page.wait_for_timeout(100)
    (row,) = stored(server)
    assert (row.endpoint, row.auth, row.local_time) == (moved.endpoint, moved.subscription()["keys"]["auth"], "21:30")
