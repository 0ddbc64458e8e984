// Evening reminders: the form, the status and the buttons are the server's fragments,
// swapped in by htmx (static/vendor/htmx-*.min.js). This script does only what the
// browser alone can: ask for notification permission (after the person taps "Turn on
// reminders", never on load), get the push subscription, and hand it to every htmx
// request of the page (htmx:configRequest). It also keeps the settings where the
// service worker finds them, to renew a subscription the browser replaced.

import { message, setText } from './text.js';
import { isIOS, isStandalone } from './install.js';
import { $ } from './dom.js';
import './base64url.js'; // a classic script shared with the service worker: self.calmcalfBase64url
import { noteReminderLanguage } from './reminderlang.js';
import { sendPendingNightDone } from './nightdone.js';
// Where the page and the service worker share the chosen time, days and zone.
export const SETTINGS_CACHE = 'calmcalf-settings';
export const SETTINGS_URL = '/__reminder-settings';

// Every wait on the browser or the network ends: a push service that never
// answers must not leave "Setting up…" on screen for minutes.
const WAIT_MS = 10_000;
const ASK_MS = 120_000; // the permission question waits on the person, so longer

/** A step that did not answer in time, or refused plainly; `code` picks the message. */
class NoAnswer extends Error {
  /** @param {string} code */
  constructor(code) {
    super(code);
    this.code = code;
  }
}

/**
 * `promise`, or a NoAnswer(code) after `ms`.
 * @template T
 * @param {Promise<T>} promise
 * @param {string} code
 * @returns {Promise<T>}
 */
function within(promise, code, ms = WAIT_MS) {
  let timer;
  const late = new Promise((_, reject) => { timer = setTimeout(() => reject(new NoAnswer(code)), ms); });
  return /** @type {Promise<T>} */ (Promise.race([promise, late]).finally(() => clearTimeout(timer)));
}

/**
 * A subscription from the phone's push service; its refusals become a plain message.
 * @param {ServiceWorkerRegistration} registration
 * @param {string} publicKey
 */
async function subscribe(registration, publicKey) {
  try {
    return await within(registration.pushManager.subscribe({
      userVisibleOnly: true, applicationServerKey: /** @type {any} */ (self).calmcalfBase64url.toBytes(publicKey),
    }), 'push-timeout');
  } catch (error) {
    // Only a refusal is about permission: "Registration failed - permission denied" in a private
    // window, with permission granted. Firefox rejects with AbortError when its push service cannot
    // be reached, and a failed connection is a NetworkError: the push service did not answer.
    if (error instanceof DOMException && error.name === 'NotAllowedError') throw new NoAnswer('push-refused');
    if (error instanceof DOMException && ['AbortError', 'NetworkError', 'TimeoutError'].includes(error.name)) {
      throw new NoAnswer('push-timeout');
    }
    throw error;
  }
}

async function readSettings() {
  const cache = await caches.open(SETTINGS_CACHE);
  const stored = await cache.match(SETTINGS_URL);
  return stored ? stored.json() : null;
}

/**
 * The settings as saved, with the subscription they were saved for (its endpoint and auth
 * secret: the worker proves with them that an old reminder is this phone's, when the browser
 * replaces the subscription).
 * @param {{[field: string]: unknown, endpoint: string, auth: string} | null} settings
 */
async function writeSettings(settings) {
  const cache = await caches.open(SETTINGS_CACHE);
  if (settings) await cache.put(SETTINGS_URL, new Response(JSON.stringify(settings), { headers: { 'Content-Type': 'application/json' } }));
  else await cache.delete(SETTINGS_URL);
}

/** GET the VAPID public key from the JSON API. */
async function publicKey() {
  let response;
  try {
    response = await fetch('/api/push/public-key', { signal: AbortSignal.timeout(WAIT_MS) });
  } catch (error) {
    throw error instanceof DOMException && error.name === 'TimeoutError' ? new NoAnswer('server-timeout') : error;
  }
  const answer = await response.json().catch(() => null);
  if (!response.ok) throw new Error((answer && answer.error) || `HTTP ${response.status}`);
  return answer.publicKey;
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
  const stored = await readSettings();
  if (!sub || !stored) {
    noteReminderLanguage(false);
    return;
  }
  const { endpoint, auth, ...settings } = stored;
  const response = await fetch('/api/reminders', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ subscription: sub.toJSON(), ...settings }),
    signal: AbortSignal.timeout(WAIT_MS),
  });
  if (response.ok) noteReminderLanguage(true);
}

/** Resolves once the document is parsed, so htmx (loaded before this module) has processed it. */
const parsed = () => new Promise((resolve) => {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', resolve, { once: true });
  else resolve(null);
});

export async function initReminders() {
  const root = $('reminders');
  if (!root) return;
  const htmx = /** @type {any} */ (window).htmx;
  const state = $('reminder-state');
  /** @type {PushSubscription | null} */
  let current = null;

  const problem = (text) => {
    const el = $('push-problem');
    el.textContent = text;
    el.hidden = !text;
  };
  const say = (text) => setText('reminder-state', text);
  const fail = (error) => {
    if (error instanceof NoAnswer) say(message(root, error.code));
    else if (!navigator.onLine || error instanceof TypeError) say(message(root, 'offline'));
    else say(message(root, 'failed', { error: error.message }));
  };
  const buttons = () => [...root.querySelectorAll('button')];
  /** Run browser-only steps with the buttons disabled (no second tap starts it twice). */
  const busy = async (work) => {
    buttons().forEach((b) => { b.disabled = true; });
    root.setAttribute('aria-busy', 'true');
    try {
      return await work();
    } catch (error) {
      fail(error);
      return false;
    } finally {
      buttons().forEach((b) => { b.disabled = false; });
      root.removeAttribute('aria-busy');
      state.scrollIntoView({ block: 'nearest' });
    }
  };
  const showOffline = () => { $('reminders-offline').hidden = navigator.onLine; };

  // The zone this phone is in, and every zone the browser knows, to pick from.
  const fillZone = () => {
    const zone = /** @type {HTMLInputElement} */ ($('reminder-timezone'));
    if (zone && !zone.value) zone.value = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  };
  if (Intl.supportedValuesOf) {
    $('timezones').replaceChildren(...Intl.supportedValuesOf('timeZone').map((z) => Object.assign(document.createElement('option'), { value: z })));
  }
  fillZone();
  showOffline();
  window.addEventListener('online', showOffline);
  window.addEventListener('offline', showOffline);

  if (!('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window) || !htmx) {
    problem(message(root, isIOS() && !isStandalone() ? 'ios-tab' : 'unsupported'));
    /** @type {HTMLButtonElement} */ ($('reminder-on')).disabled = true;
    root.dataset.ready = 'true';
    return;
  }
  await parsed();

  // Every request of this page carries the subscription: only the browser has it.
  document.body.addEventListener('htmx:configRequest', (event) => {
    const { detail } = /** @type {CustomEvent} */ (event);
    if (!root.contains(detail.elt) || !current) return;
    const json = current.toJSON();
    detail.parameters.endpoint = json.endpoint;
    detail.parameters.p256dh = json.keys.p256dh;
    detail.parameters.auth = json.keys.auth;
  });

  // "Turn on reminders" / "Save changes": permission and subscription first, then the form goes.
  document.body.addEventListener('htmx:confirm', (event) => {
    const { detail } = /** @type {CustomEvent} */ (event);
    if (detail.elt.id !== 'reminder-form') return;
    event.preventDefault();
    problem('');
    say(message(root, 'working'));
    state.scrollIntoView({ block: 'nearest' }); // the status shows beside the button
    busy(async () => {
      // Permission is asked here, after the tap, never on load.
      const permission = await within(Notification.requestPermission(), 'ask-timeout', ASK_MS);
      if (permission !== 'granted') {
        problem(message(root, 'denied'));
        say(message(root, 'off'));
        return false;
      }
      const registration = await within(navigator.serviceWorker.ready, 'worker-timeout');
      current = (await within(registration.pushManager.getSubscription(), 'push-timeout'))
        || (await subscribe(registration, await publicKey()));
      return true;
    }).then((ready) => { if (ready) detail.issueRequest(true); });
  });

  // What the server said: keep the settings for the worker, and the language reminders come in.
  document.body.addEventListener('htmx:afterSettle', async () => {
    fillZone();
    const summary = $('reminder-summary');
    if (summary) {
      const on = summary.dataset.on === 'true';
      if (on && current) {
        if (summary.dataset.saved) noteReminderLanguage(true);
        const { endpoint, keys } = current.toJSON();
        // The settings as the server stored them (its schema's fields), for the worker's renewal.
        await writeSettings({ ...JSON.parse(summary.dataset.settings), endpoint, auth: keys.auth });
      } else {
        noteReminderLanguage(false);
        await writeSettings(null);
      }
    }
    // Focus stays where the person is: on the field the server marked, or the main button.
    if (!document.activeElement || document.activeElement === document.body) {
      const wrong = /** @type {HTMLElement | null} */ (root.querySelector('[aria-invalid="true"]'));
      const target = wrong && wrong.tagName === 'FIELDSET' ? wrong.querySelector('input') : wrong;
      (target || $('reminder-on')).focus();
    }
  });

  // Turned off on the server: the phone's subscription goes too.
  document.body.addEventListener('htmx:afterRequest', async (event) => {
    const { detail } = /** @type {CustomEvent} */ (event);
    if (detail.elt.id === 'reminder-off' && detail.successful && current) {
      const sub = current;
      current = null;
      await within(sub.unsubscribe(), 'push-timeout').catch(() => {});
    }
  });

  // No answer: say so plainly in the status line.
  document.body.addEventListener('htmx:sendError', () => say(message(root, 'offline')));
  document.body.addEventListener('htmx:timeout', () => say(message(root, 'server-timeout')));
  document.body.addEventListener('htmx:responseError', (event) => {
    const { detail } = /** @type {CustomEvent} */ (event);
    if (!detail.shouldSwap) say(message(root, 'failed', { error: `HTTP ${detail.xhr.status}` }));
  });

  let registration;
  try {
    registration = await within(navigator.serviceWorker.ready, 'worker-timeout');
    current = await within(registration.pushManager.getSubscription(), 'push-timeout').catch(() => null);
  } catch (error) {
    fail(error);
  }
  if (!current) {
    // The server knows nothing of a phone with no subscription: reminders are off.
    await writeSettings(null).catch(() => {});
    root.dataset.ready = 'true';
    return;
  }
  if (!navigator.onLine) {
    say(message(root, 'offline'));
    root.dataset.ready = 'true';
    return;
  }
  state.addEventListener('htmx:afterRequest', () => { root.dataset.ready = 'true'; }, { once: true });
  htmx.trigger(state, 'calmcalf:load');
  sendPendingNightDone();
}

initReminders();
