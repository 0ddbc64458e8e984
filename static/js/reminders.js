// Evening reminders: web push, asked for only after the person taps "Turn on reminders".

import { message, setText } from './text.js';
import { isIOS, isStandalone } from './install.js';
import { REMINDER_LANG_KEY } from './language.js';

const $ = (id) => document.getElementById(id);
// Where the page and the service worker share the chosen time, days and zone
// (the worker needs them to renew a subscription the browser replaced).
export const SETTINGS_CACHE = 'calmcalf-settings';
export const SETTINGS_URL = '/__reminder-settings';

/** The VAPID public key (base64url) as the bytes pushManager.subscribe wants. */
function keyBytes(base64url) {
  const text = atob(base64url.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (base64url.length % 4)) % 4));
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
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
  const response = await fetch(path, {
    method, headers: { 'Content-Type': 'application/json' }, body: body ? JSON.stringify(body) : undefined,
  });
  const answer = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) throw new Error((answer && answer.error) || `HTTP ${response.status}`);
  return answer;
}

/** Note which language the server now sends this phone's reminders in (null: none are on). */
function noteReminderLanguage(on) {
  try {
    if (on) localStorage.setItem(REMINDER_LANG_KEY, document.documentElement.lang);
    else localStorage.removeItem(REMINDER_LANG_KEY);
  } catch {
    // Without storage the language is still right until the person changes it.
  }
}

/**
 * Save the reminder again with the same subscription and settings: the server
 * stores the language of the request (the person's choice), so later reminders
 * arrive in the language now chosen.
 */
export async function resaveReminder() {
  if (!('serviceWorker' in navigator) || !('PushManager' in window)) return;
  const registration = await navigator.serviceWorker.ready;
  const sub = await registration.pushManager.getSubscription();
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
  const form = $('reminder-form');
  const dayBoxes = [...form.querySelectorAll('input[name="days"]')];
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
    const text = zoneRefused ? message(root, 'bad-timezone') : message(root, 'failed', { error: error.message });
    setText('reminder-state', offline ? message(root, 'offline') : text);
  };

  // The zone this phone is in, and every zone the browser knows, to pick from.
  const zone = $('reminder-timezone');
  zone.value = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  if (Intl.supportedValuesOf) {
    $('timezones').replaceChildren(...Intl.supportedValuesOf('timeZone').map((z) => Object.assign(document.createElement('option'), { value: z })));
  }

  if (!('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window)) {
    problem(message(root, isIOS() && !isStandalone() ? 'ios-tab' : 'unsupported'));
    form.querySelector('button[type="submit"]').disabled = true;
    return;
  }
  const registration = await navigator.serviceWorker.ready;

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
    form.elements.time.value = settings.time;
    zone.value = settings.timezone;
    dayBoxes.forEach((box) => { box.checked = settings.days.includes(box.value); });
  }

  const subscription = await registration.pushManager.getSubscription();
  const saved = await readSettings();
  showState(subscription && saved ? saved : null);
  root.dataset.ready = 'true';

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const days = dayBoxes.filter((box) => box.checked).map((box) => box.value);
    setText('days-error', days.length ? '' : message(root, 'no-days'));
    if (!days.length) return;
    const settings = { time: form.elements.time.value, timezone: zone.value.trim(), days };
    problem('');
    setText('reminder-state', message(root, 'working'));
    // Permission is asked here, after the tap, never on load.
    const permission = await Notification.requestPermission();
    if (permission !== 'granted') {
      problem(message(root, 'denied'));
      showState(null);
      return;
    }
    try {
      const { publicKey } = await api('GET', '/api/push/public-key');
      const sub = (await registration.pushManager.getSubscription())
        || (await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(publicKey) }));
      await api('POST', '/api/reminders', { subscription: sub.toJSON(), ...settings });
      await writeSettings(settings);
      noteReminderLanguage(true);
      showState(settings);
    } catch (error) {
      fail(error);
    }
  });

  $('reminder-test').addEventListener('click', async () => {
    try {
      const sub = await registration.pushManager.getSubscription();
      await api('POST', '/api/reminders/test', { endpoint: sub.endpoint });
      setText('reminder-state', message(root, 'test-sent'));
    } catch (error) {
      fail(error);
    }
  });

  $('reminder-off').addEventListener('click', async () => {
    try {
      const sub = await registration.pushManager.getSubscription();
      if (sub) {
        await api('DELETE', '/api/reminders', { endpoint: sub.endpoint });
        await sub.unsubscribe();
      }
      await writeSettings(null);
      noteReminderLanguage(false);
      showState(null);
    } catch (error) {
      fail(error);
    }
  });
}

initReminders();
