// Evening reminders: web push, asked for only after the person taps "Turn on reminders".

import { message, setText } from './text.js';
import { isIOS, isStandalone } from './install.js';
import { $ } from './dom.js';
import './base64url.js'; // a classic script shared with the service worker: self.calmcalfBase64url
import { noteReminderLanguage } from './reminderlang.js';
// Where the page and the service worker share the chosen time, days and zone
// (the worker needs them to renew a subscription the browser replaced).
export const SETTINGS_CACHE = 'calmcalf-settings';
export const SETTINGS_URL = '/__reminder-settings';

// Every wait on the browser or the network ends: a push service that never
// answers must not leave "Setting up…" on screen for minutes.
const WAIT_MS = 10_000;
const ASK_MS = 120_000; // the permission question waits on the person, so longer

/** A step that did not answer in time, or refused plainly; `code` picks the message. */
class NoAnswer extends Error {
  constructor(code) {
    super(code);
    this.code = code;
  }
}

/** `promise`, or a NoAnswer(code) after `ms`. */
function within(promise, code, ms = WAIT_MS) {
  let timer;
  const late = new Promise((_, reject) => { timer = setTimeout(() => reject(new NoAnswer(code)), ms); });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** A subscription from the phone's push service; its refusals become a plain message. */
async function subscribe(registration, publicKey) {
  try {
    return await within(registration.pushManager.subscribe({
      userVisibleOnly: true, applicationServerKey: self.calmcalfBase64url.toBytes(publicKey),
    }), 'push-timeout');
  } catch (error) {
    // e.g. "Registration failed - permission denied" in a private window, with permission granted.
    if (error instanceof DOMException) throw new NoAnswer('push-refused');
    throw error;
  }
}

async function readSettings() {
  const cache = await caches.open(SETTINGS_CACHE);
  const stored = await cache.match(SETTINGS_URL);
  return stored ? stored.json() : null;
}

async function writeSettings(settings) {
  const cache = await caches.open(SETTINGS_CACHE);
  if (settings) await cache.put(SETTINGS_URL, new Response(JSON.stringify(settings), { headers: { 'Content-Type': 'application/json' } }));
  else await cache.delete(SETTINGS_URL);
}

/** POST/DELETE JSON to the API; resolves with the parsed answer or throws the server's error text. */
async function api(method, path, body) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: { 'Content-Type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(WAIT_MS),
    });
  } catch (error) {
    throw error instanceof DOMException && error.name === 'TimeoutError' ? new NoAnswer('server-timeout') : error;
  }
  const answer = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) throw new Error((answer && answer.error) || `HTTP ${response.status}`);
  return answer;
}

/**
 * Save the reminder again with the same subscription and settings: the server
 * stores the language of the request (the person's choice), so later reminders
 * arrive in the language now chosen.
 */
export async function resaveReminder() {
  if (!('serviceWorker' in navigator) || !('PushManager' in window)) return;
  const registration = await within(navigator.serviceWorker.ready, 'worker-timeout');
  const sub = await within(registration.pushManager.getSubscription(), 'push-timeout');
  const settings = await readSettings();
  if (!sub || !settings) {
    noteReminderLanguage(false);
    return;
  }
  await api('POST', '/api/reminders', { subscription: sub.toJSON(), ...settings });
  noteReminderLanguage(true);
}

/** "21:30" written the page's language's way, on the 24-hour clock the reminder was set with. */
function localTime(hhmm) {
  const [hours, minutes] = hhmm.split(':').map(Number);
  return new Intl.DateTimeFormat(document.documentElement.lang, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    .format(new Date(2000, 0, 1, hours, minutes));
}

export async function initReminders() {
  const root = $('reminders');
  if (!root) return;
  const form = $('reminder-form', HTMLFormElement);
  const dayBoxes = /** @type {HTMLInputElement[]} */ ([...form.querySelectorAll('input[name="days"]')]);
  const dayNames = Object.fromEntries(dayBoxes.map((box) => [box.value, box.parentElement.textContent.trim()]));

  const problem = (text) => {
    const el = $('push-problem');
    el.textContent = text;
    el.hidden = !text;
  };
  const fail = (error) => {
    const offline = !navigator.onLine || error instanceof TypeError;
    // The server names the field in English; the one a person can get wrong is said in their language.
    const zoneRefused = String(error.message).startsWith('timezone');
    const failed = zoneRefused ? message(root, 'bad-timezone') : message(root, 'failed', { error: error.message });
    if (error instanceof NoAnswer) setText('reminder-state', message(root, error.code));
    else setText('reminder-state', offline ? message(root, 'offline') : failed);
  };
  /** Run a step with the buttons disabled (no second tap starts it twice); any failure is said plainly. */
  const busy = async (work) => {
    const buttons = [...root.querySelectorAll('button')];
    const focused = document.activeElement;
    buttons.forEach((b) => { b.disabled = true; });
    root.setAttribute('aria-busy', 'true');
    try {
      await work();
    } catch (error) {
      fail(error);
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
      root.removeAttribute('aria-busy');
      $('reminder-state').scrollIntoView({ block: 'nearest' });
      if (focused instanceof HTMLElement && !focused.hidden && document.activeElement === document.body) focused.focus();
    }
  };

  // The zone this phone is in, and every zone the browser knows, to pick from.
  const zone = $('reminder-timezone', HTMLInputElement);
  zone.value = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  if (Intl.supportedValuesOf) {
    $('timezones').replaceChildren(...Intl.supportedValuesOf('timeZone').map((z) => Object.assign(document.createElement('option'), { value: z })));
  }

  if (!('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window)) {
    problem(message(root, isIOS() && !isStandalone() ? 'ios-tab' : 'unsupported'));
    /** @type {HTMLButtonElement} */ (form.querySelector('button[type="submit"]')).disabled = true;
    return;
  }
  let registration;
  try {
    registration = await within(navigator.serviceWorker.ready, 'worker-timeout');
  } catch (error) {
    fail(error);
    return;
  }

  function showState(settings) {
    const on = Boolean(settings);
    $('reminder-test').hidden = !on;
    $('reminder-off').hidden = !on;
    setText('reminder-on', message(root, on ? 'save' : 'turn-on'));
    if (!on) {
      setText('reminder-state', message(root, 'off'));
      return;
    }
    const list = new Intl.ListFormat(document.documentElement.lang, { type: 'unit', style: 'short' });
    const days = settings.days.length === 7 ? message(root, 'every-day') : list.format(settings.days.map((d) => dayNames[d]));
    setText('reminder-state', message(root, 'on', { time: localTime(settings.time), days, timezone: settings.timezone }));
    $('reminder-time', HTMLInputElement).value = settings.time;
    zone.value = settings.timezone;
    dayBoxes.forEach((box) => { box.checked = settings.days.includes(box.value); });
  }

  const subscription = await within(registration.pushManager.getSubscription(), 'push-timeout').catch(() => null);
  const saved = await readSettings();
  showState(subscription && saved ? saved : null);
  root.dataset.ready = 'true';

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const days = dayBoxes.filter((box) => box.checked).map((box) => box.value);
    setText('days-error', days.length ? '' : message(root, 'no-days'));
    if (!days.length) return;
    const settings = { time: $('reminder-time', HTMLInputElement).value, timezone: zone.value.trim(), days };
    problem('');
    setText('reminder-state', message(root, 'working'));
    $('reminder-state').scrollIntoView({ block: 'nearest' }); // the status shows beside the button
    await busy(async () => {
      // Permission is asked here, after the tap, never on load.
      const permission = await within(Notification.requestPermission(), 'ask-timeout', ASK_MS);
      if (permission !== 'granted') {
        problem(message(root, 'denied'));
        showState(null);
        return;
      }
      const { publicKey } = await api('GET', '/api/push/public-key');
      const sub = (await within(registration.pushManager.getSubscription(), 'push-timeout'))
        || (await subscribe(registration, publicKey));
      await api('POST', '/api/reminders', { subscription: sub.toJSON(), ...settings });
      await writeSettings(settings);
      noteReminderLanguage(true);
      showState(settings);
    });
  });

  $('reminder-test').addEventListener('click', () => busy(async () => {
    const sub = await within(registration.pushManager.getSubscription(), 'push-timeout');
    await api('POST', '/api/reminders/test', { endpoint: sub.endpoint });
    setText('reminder-state', message(root, 'test-sent'));
  }));

  $('reminder-off').addEventListener('click', () => busy(async () => {
    const sub = await within(registration.pushManager.getSubscription(), 'push-timeout');
    if (sub) {
      await api('DELETE', '/api/reminders', { endpoint: sub.endpoint });
      await within(sub.unsubscribe(), 'push-timeout');
    }
    await writeSettings(null);
    noteReminderLanguage(false);
    showState(null);
  }));
}

initReminders();
