"""Reminders end to end: the page stores a reminder, the server pushes it, the worker shows it."""

from __future__ import annotations

import base64
import json
import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.db import get_db
from app.reminders.models import Reminder
from tests.browser.conftest import PHONE, wait_for_offline_ready, wait_until

# pushManager.subscribe cannot reach a real push service here: the page gets a
# subscription on the local fake push service instead (the rest is real).
STUB = """(subscription) => {
  // Like a real subscription, it outlives a reload.
  const make = () => ({ endpoint: subscription.endpoint, toJSON: () => subscription,
    unsubscribe: async () => { localStorage.removeItem('stub-subscribed'); current = null; return true; } });
  let current = localStorage.getItem('stub-subscribed') ? make() : null;
  window.__permissionAsked = 0;
  const ask = Notification.requestPermission.bind(Notification);
  Notification.requestPermission = (...args) => { window.__permissionAsked += 1; return ask(...args); };
  PushManager.prototype.subscribe = async function (options) {
    window.__applicationServerKey = btoa(String.fromCharCode(...new Uint8Array(options.applicationServerKey)));
    window.__userVisibleOnly = options.userVisibleOnly;
    localStorage.setItem('stub-subscribed', '1');
    current = make();
    return current;
  };
  PushManager.prototype.getSubscription = async function () { return current; };
}"""


@pytest.fixture
def phone(browser, server):
    context = browser.new_context(**PHONE, timezone_id="America/New_York")
    context.grant_permissions(["notifications"], origin=server.url)
    yield context
    context.close()


def stored(server) -> list[Reminder]:
    with get_db(server.app).session() as session:
        return session.execute(select(Reminder)).scalars().all()


def test_turning_reminders_on_stores_them_and_a_test_arrives(phone, server, push):
    subscriber = push.subscriber()
    page = phone.new_page()
    page.add_init_script(f"({STUB})({json.dumps(subscriber.subscription())})")
    page.goto(server.url + "/reminders")
    page.wait_for_selector("#reminders[data-ready]")
    assert page.evaluate("window.__permissionAsked") == 0, "never asked on load"
    expect(page.get_by_label("Time zone")).to_have_value("America/New_York")
    expect(page.get_by_label("Time", exact=True)).to_have_value("21:30")
    expect(page.locator("#reminder-state")).to_have_text("Reminders are off.")

    page.get_by_label("Time", exact=True).fill("22:15")
    page.get_by_role("checkbox", name="Sat").uncheck()
    page.get_by_role("checkbox", name="Sun").uncheck()
    page.get_by_role("button", name="Turn on reminders").click()
    expect(page.locator("#reminder-state")).to_have_text(
        "Reminders are on: 22:15 on Mon, Tue, Wed, Thu, Fri (New York)."  # the zone as its city, in the page's language
    )
    assert page.evaluate("window.__permissionAsked") == 1
    assert page.evaluate("window.__userVisibleOnly") is True
    public_key = page.evaluate("fetch('/api/push/public-key').then((r) => r.json()).then((j) => j.publicKey)")
    raw = base64.urlsafe_b64decode(public_key + "=" * (-len(public_key) % 4))
    assert page.evaluate("window.__applicationServerKey") == base64.b64encode(raw).decode()
    (reminder,) = stored(server)
    assert (reminder.endpoint, reminder.local_time, reminder.timezone, reminder.days) == (
        subscriber.endpoint,
        "22:15",
        "America/New_York",
        "mon,tue,wed,thu,fri",
    )

    page.get_by_role("button", name="Send a test reminder").click()
    expect(page.locator("#reminder-state")).to_have_text("A test reminder is on its way.")
    (message,) = push.received(subscriber)
    assert message.payload["url"] == "/bedtime" and message.claims["aud"] == push.origin

    page.reload()
    page.wait_for_selector("#reminders[data-ready]")
    expect(page.locator("#reminder-state")).to_contain_text("Reminders are on: 22:15")
    page.get_by_role("button", name="Turn off").click()
    expect(page.locator("#reminder-state")).to_have_text("Reminders are off.")
    assert stored(server) == []


def test_a_refused_permission_is_explained(browser, server, push):
    context = browser.new_context(**PHONE)  # notifications not granted: the browser denies
    try:
        page = context.new_page()
        page.add_init_script(f"({STUB})({json.dumps(push.subscriber().subscription())})")
        page.add_init_script("Notification.requestPermission = async () => 'denied';")
        page.goto(server.url + "/reminders")
        page.wait_for_selector("#reminders[data-ready]")
        page.get_by_role("button", name="Turn on reminders").click()
        expect(page.get_by_role("alert")).to_contain_text("Notifications are blocked")
        assert stored(server) == []
    finally:
        context.close()


def test_no_days_chosen_is_refused_at_the_field(phone, server, push):
    page = phone.new_page()
    page.add_init_script(f"({STUB})({json.dumps(push.subscriber().subscription())})")
    page.goto(server.url + "/reminders")
    page.wait_for_selector("#reminders[data-ready]")
    for day in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"):
        page.get_by_role("checkbox", name=day).uncheck()
    page.get_by_role("button", name="Turn on reminders").click()
    expect(page.get_by_text("Choose at least one day.")).to_be_visible()
    assert stored(server) == []


def test_ios_in_a_browser_tab_is_told_to_add_to_home_screen(browser, server):
    context = browser.new_context(
        **PHONE,
        user_agent=(
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/17.4 Mobile/15E148 Safari/604.1"
        ),
    )
    try:
        page = context.new_page()
        # Safari in a tab has no PushManager.
        page.add_init_script("delete window.PushManager;")
        page.goto(server.url + "/reminders")
        expect(page.get_by_role("alert")).to_contain_text("Add to Home Screen")
        expect(page.get_by_role("button", name="Turn on reminders")).to_be_disabled()
    finally:
        context.close()


def registration_id(cdp, scope: str) -> str:
    found: dict[str, str] = {}
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: found.update({r["scopeURL"]: r["registrationId"] for r in event["registrations"]}),
    )
    cdp.send("ServiceWorker.enable")
    deadline = time.monotonic() + 10
    while scope not in found and time.monotonic() < deadline:
        cdp.send("Runtime.evaluate", {"expression": "1"})  # let events arrive
    return found[scope]


def test_a_push_shows_the_notification_and_a_click_opens_the_routine(phone, server):
    page = phone.new_page()
    page.goto(server.url + "/")
    wait_for_offline_ready(page)
    cdp = phone.new_cdp_session(page)
    payload = {
        "title": "Bedtime stretches",
        "body": "About 4 minutes of calf stretches before bed?",
        "url": "/bedtime",
        "tag": "bedtime",
    }
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": server.url,
            "registrationId": registration_id(cdp, server.url + "/"),
            "data": json.dumps(payload),
        },
    )
    wait_until(page, "navigator.serviceWorker.ready.then((r) => r.getNotifications()).then((n) => n.length === 1)")
    (shown,) = page.evaluate("""navigator.serviceWorker.ready.then((r) => r.getNotifications())
        .then((list) => list.map((n) => ({ title: n.title, body: n.body, tag: n.tag, icon: n.icon, url: n.data.url })))""")
    assert shown == {
        "title": "Bedtime stretches",
        "body": "About 4 minutes of calf stretches before bed?",
        "tag": "bedtime",
        "icon": server.url + "/static/icons/icon-192.png",
        "url": server.url + "/bedtime",
    }
    # Headless Chromium cannot click a system notification: fire the worker's click handler with it.
    (worker,) = phone.service_workers
    worker.evaluate("""self.registration.getNotifications().then(([notification]) =>
        self.dispatchEvent(new NotificationEvent('notificationclick', { notification })))""")
    page.wait_for_url(server.url + "/bedtime")
    expect(page.get_by_role("heading", name="Bedtime routine", level=1)).to_be_visible()


def test_a_push_cannot_send_people_to_another_site(phone, server):
    page = phone.new_page()
    page.goto(server.url + "/")
    wait_for_offline_ready(page)
    cdp = phone.new_cdp_session(page)
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": server.url,
            "registrationId": registration_id(cdp, server.url + "/"),
            "data": json.dumps({"title": "x", "body": "y", "url": "https://evil.example/phish", "tag": "bedtime"}),
        },
    )
    wait_until(page, "navigator.serviceWorker.ready.then((r) => r.getNotifications()).then((n) => n.length === 1)")
    url = page.evaluate("navigator.serviceWorker.ready.then((r) => r.getNotifications()).then(([n]) => n.data.url)")
    assert url == server.url + "/bedtime"


def test_reminders_follow_the_language_also_after_it_changes(phone, server, push):
    """Saved in English, then the person switches to Russian: the server is told, and the push is Russian."""
    subscriber = push.subscriber()
    page = phone.new_page()
    page.add_init_script(f"({STUB})({json.dumps(subscriber.subscription())})")
    page.goto(server.url + "/reminders")
    page.wait_for_selector("#reminders[data-ready]")
    page.locator("#reminder-on").click()
    expect(page.locator("#reminder-state")).to_contain_text("Reminders are on")
    assert [r.lang for r in stored(server)] == ["en"]

    page.locator("#languages summary").click()
    page.locator('#languages a[data-lang="ru"]').click()
    page.wait_for_selector("#reminders[data-ready]")
    assert page.evaluate("document.documentElement.lang") == "ru"
    wait_until(page, "localStorage.getItem('calmcalf.reminder-lang') === 'ru'")
    (reminder,) = stored(server)
    assert (reminder.lang, reminder.endpoint, reminder.local_time) == ("ru", subscriber.endpoint, "21:30")
    expect(page.locator("#reminder-state")).to_contain_text("Напоминания включены: в 21:30")

    page.locator("#reminder-test").click()
    expect(page.locator("#reminder-state")).to_have_text("Пробное напоминание уже в пути.")
    (message,) = push.received(subscriber)
    assert message.payload["title"] == "Растяжка перед сном"
    assert message.payload["body"] == "Примерно 4 минуты растяжки икр перед сном?"

    # The worker shows that message as it came: the delivered notification is Russian.
    wait_for_offline_ready(page)
    cdp = phone.new_cdp_session(page)
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": server.url,
            "registrationId": registration_id(cdp, server.url + "/"),
            "data": json.dumps(message.payload),
        },
    )
    wait_until(page, "navigator.serviceWorker.ready.then((r) => r.getNotifications()).then((n) => n.length === 1)")
    shown = page.evaluate(
        "navigator.serviceWorker.ready.then((r) => r.getNotifications()).then(([n]) => [n.title, n.body])"
    )
    assert shown == ["Растяжка перед сном", "Примерно 4 минуты растяжки икр перед сном?"]


def test_a_refused_time_zone_is_explained_in_the_page_language(browser, server, push):
    context = browser.new_context(**PHONE, locale="ru")
    context.grant_permissions(["notifications"], origin=server.url)
    try:
        page = context.new_page()
        page.add_init_script(f"({STUB})({json.dumps(push.subscriber().subscription())})")
        page.goto(server.url + "/reminders")
        page.wait_for_selector("#reminders[data-ready]")
        page.locator("#reminder-timezone").fill("Mars/Olympus")
        page.locator("#reminder-on").click()
        # The server's message, next to the field it names, and the field marked for screen readers.
        expect(page.locator("#reminder-timezone-error")).to_have_text(
            "Такой часовой пояс неизвестен. Выберите его из списка, например Europe/Moscow."
        )
        expect(page.locator("#reminder-timezone")).to_have_attribute("aria-invalid", "true")
        expect(page.locator("#reminder-timezone")).to_be_focused()
        expect(page.locator("#reminder-state")).to_have_text("Не сохранено: проверьте отмеченное выше поле.")
        assert stored(server) == []
    finally:
        context.close()


# A push service that never answers, as behind a captive portal or a dead connection.
SILENT_PUSH = """() => {
  PushManager.prototype.subscribe = () => { window.subscribing = true; return new Promise(() => {}); };
  PushManager.prototype.getSubscription = async () => null;
}"""


def test_a_push_service_that_never_answers_gives_a_plain_message_in_time(phone, server):
    page = phone.new_page()
    page.add_init_script(f"({SILENT_PUSH})()")
    page.clock.install()  # the page's 10 s wait, moved on by the test rather than waited out
    page.goto(server.url + "/reminders")
    page.wait_for_selector("#reminders[data-ready]")
    button = page.get_by_role("button", name="Turn on reminders")
    button.click()
    state = page.locator("#reminder-state")
    expect(state).to_have_text("Setting up…")
    expect(button).to_be_disabled()  # no second tap while it waits
    wait_until(page, "window.subscribing === true")  # the key has come, and the phone is asked
    page.clock.run_for(9_000)
    expect(state).to_have_text("Setting up…")  # still waiting at 9 s…
    page.clock.run_for(1_500)
    expect(state).to_have_text(  # …and told plainly by 10.5 s
        "Your phone’s push service did not answer. Check your connection and try again."
    )
    expect(button).to_be_enabled()
    # The status sits right below the button, on screen, and is announced.
    expect(state).to_have_attribute("role", "status")
    box, below = button.bounding_box(), state.bounding_box()
    assert 0 <= below["y"] - (box["y"] + box["height"]) < 48
    assert below["y"] + below["height"] <= page.viewport_size["height"]  # on screen
    assert stored(server) == []


def test_a_private_window_refusal_is_explained_without_blaming_permission(phone, server):
    page = phone.new_page()
    page.add_init_script(
        """PushManager.prototype.getSubscription = async () => null;
        PushManager.prototype.subscribe = async () => {
          throw new DOMException('Registration failed - permission denied', 'NotAllowedError');
        };"""
    )
    page.goto(server.url + "/reminders")
    page.wait_for_selector("#reminders[data-ready]")
    page.get_by_role("button", name="Turn on reminders").click()
    state = page.locator("#reminder-state")
    expect(state).to_contain_text("A private window cannot receive them")
    expect(state).not_to_contain_text("permission denied")
    expect(page.get_by_role("button", name="Turn on reminders")).to_be_enabled()


@pytest.mark.parametrize("name", ["AbortError", "NetworkError"])
def test_an_unreachable_push_service_is_not_blamed_on_permission(phone, server, name):
    """Firefox, with permission granted but no push service to reach, rejects with AbortError."""
    page = phone.new_page()
    page.add_init_script(
        "PushManager.prototype.getSubscription = async () => null;"
        f"PushManager.prototype.subscribe = async () => {{ throw new DOMException('No push service.', '{name}'); }};"
    )
    page.goto(server.url + "/reminders")
    page.wait_for_selector("#reminders[data-ready]")
    page.get_by_role("button", name="Turn on reminders").click()
    state = page.locator("#reminder-state")
    expect(state).to_have_text("Your phone’s push service did not answer. Check your connection and try again.")
    expect(page.locator("#push-problem")).to_be_hidden()
    expect(page.get_by_role("button", name="Turn on reminders")).to_be_enabled()
    assert stored(server) == []
