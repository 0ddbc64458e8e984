// The language choice, on every page: remembered on the device, so the server
// (a cookie), the service worker (its own note) and evening reminders follow it,
// also when the choice is made offline.

import { reminderLanguage } from './reminderlang.js';

const COOKIE = 'calmcalf_lang';
const MAX_AGE = 400 * 24 * 3600; // the longest a browser keeps a cookie
// Shared with the service worker, which answers pages offline in this language.
const SETTINGS_CACHE = 'calmcalf-settings';
const LANGUAGE_URL = '/__language';
const CHOICE_KEY = 'calmcalf.lang';

const setCookie = (lang) => {
  document.cookie = `${COOKIE}=${lang}; path=/; max-age=${MAX_AGE}; samesite=lax`;
};

/** Keep the choice where the server and the worker look for it. */
export async function rememberLanguage(lang) {
  setCookie(lang);
  try {
    localStorage.setItem(CHOICE_KEY, lang);
  } catch {
    // The cookie and the worker's note still hold it.
  }
  if (!('caches' in window)) return;
  try {
    const cache = await caches.open(SETTINGS_CACHE);
    await cache.put(LANGUAGE_URL, new Response(JSON.stringify({ lang }), { headers: { 'Content-Type': 'application/json' } }));
  } catch {
    // No cache storage (private mode): the cookie still carries the choice online.
  }
}

/** Reminders saved in another language are saved again, so the next one arrives in this one. */
function followWithReminders(lang) {
  const saved = reminderLanguage();
  if (!saved || saved === lang) return;
  const resave = () => import('./reminders.js').then((m) => m.resaveReminder()).catch(() => {});
  if (navigator.onLine) resave();
  else window.addEventListener('online', resave, { once: true });
}

export function initLanguage() {
  const lang = document.documentElement.lang;
  /** @type {NodeListOf<HTMLAnchorElement>} */ (document.querySelectorAll('#languages a[data-lang]')).forEach((link) => {
    link.addEventListener('click', () => {
      rememberLanguage(link.dataset.lang);
    });
  });
  const url = new URL(window.location.href);
  if (url.searchParams.has('lang')) {
    // Chosen by a language link: remember it, and keep the address clean.
    rememberLanguage(lang);
    url.searchParams.delete('lang');
    history.replaceState(history.state, '', `${url.pathname}${url.search}${url.hash}`);
  }
  // A cleared or expired cookie is set again, so the server (and reminders) keep following the choice.
  let chosen = null;
  try {
    chosen = localStorage.getItem(CHOICE_KEY);
  } catch {
    // No storage: nothing to restore.
  }
  if (chosen && !document.cookie.split('; ').includes(`${COOKIE}=${chosen}`)) setCookie(chosen);
  followWithReminders(lang);
}
