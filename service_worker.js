// Calm Calf's service worker: the whole app, cached, so it opens with no network.
//
// The version and the list of files come from /sw-precache.js, which the server
// builds from the app's own pages and static files. Pages are cached in every
// language the app ships, each under the URL that asks for it (/relief?lang=es),
// so the app opens offline in the language chosen, and switching works offline too. The browser compares that
// imported script byte for byte, so a new app version installs a new worker,
// which waits until the person taps "Update".

// base64url and nightdone-core: shared with the Reminders page and the bedtime routine.
importScripts('/sw-precache.js', '/static/js/base64url.js', '/static/js/nightdone-core.js');

const {
  version: VERSION, urls: PRECACHE_URLS, pages: PAGES, languages: LANGUAGES, defaultLanguage: DEFAULT_LANGUAGE,
} = self.CALMCALF_PRECACHE;
const PREFIX = 'calmcalf-';
const STATIC_CACHE = `${PREFIX}static-${VERSION}`;
// Reminder settings (time, days, zone), shared with the Reminders page; kept across versions.
const SETTINGS_CACHE = `${PREFIX}settings`;
const SETTINGS_URL = '/__reminder-settings';
// The language the person chose (written by the page's language links, and here).
const LANGUAGE_URL = '/__language';
const ANY = { ignoreVary: true }; // pages vary by Accept-Language and Cookie; the key URL names the language
const EXPECTED_CACHES = [STATIC_CACHE, SETTINGS_CACHE];

// --- caching strategies ---

// Fetch every app file past the HTTP cache, so a new version never mixes in old files.
const pageUrl = (path, lang) => `${path}?lang=${lang}`;

async function precache() {
  const cache = await caches.open(STATIC_CACHE);
  const pages = LANGUAGES.flatMap((lang) => PAGES.map((path) => pageUrl(path, lang)));
  await cache.addAll([...PRECACHE_URLS, ...pages].map((url) => new Request(url, { cache: 'no-cache' })));
}

// --- language ---

async function rememberLanguage(lang) {
  const cache = await caches.open(SETTINGS_CACHE);
  await cache.put(LANGUAGE_URL, new Response(JSON.stringify({ lang }), { headers: { 'Content-Type': 'application/json' } }));
}

// As the server chooses: ?lang= in the URL, then the person's choice, then the browser's languages.
async function chosenLanguage(url) {
  const asked = url.searchParams.get('lang');
  if (LANGUAGES.includes(asked)) {
    await rememberLanguage(asked);
    return asked;
  }
  const stored = await caches.match(LANGUAGE_URL, { cacheName: SETTINGS_CACHE }); // (open would create it)
  const { lang } = stored ? await stored.json().catch(() => ({})) : {};
  if (LANGUAGES.includes(lang)) return lang;
  for (const tag of self.navigator.languages || []) {
    const base = tag.toLowerCase().split('-')[0];
    if (LANGUAGES.includes(base)) return base;
  }
  return DEFAULT_LANGUAGE;
}

// Delete caches from older versions (every Calm Calf cache that is not expected).
async function deleteOldCaches() {
  const names = await caches.keys();
  await Promise.all(
    names
      .filter((name) => name.startsWith(PREFIX) && !EXPECTED_CACHES.includes(name))
      .map((name) => caches.delete(name)),
  );
}

// Pages: from this version's cache at once (fast in the dark, with no signal);
// pages not cached go to the network, and to the home page when offline.
async function answerNavigation(request) {
  const cache = await caches.open(STATIC_CACHE);
  const url = new URL(request.url);
  const lang = await chosenLanguage(url);
  const cached = await cache.match(pageUrl(url.pathname, lang), ANY);
  if (cached) return cached;
  try {
    return await fetch(request);
  } catch (error) {
    return (await cache.match(pageUrl('/', lang), ANY)) || Response.error();
  }
}

// Static files live at versioned URLs (/static/<version>/js/x.js); an unversioned
// /static/js/x.js is answered with this version's copy.
function versionedUrl(url) {
  const rest = url.pathname.slice('/static/'.length);
  return PRECACHE_URLS.find((u) => u.startsWith('/static/') && u.endsWith(`/${rest}`) && u.split('/').length === url.pathname.split('/').length + 1);
}

// Other files: cache first, then the network.
async function answerFile(request) {
  const cached = await caches.match(request, { cacheName: STATIC_CACHE, ...ANY });
  if (cached) return cached;
  const url = new URL(request.url);
  const versioned = url.pathname.startsWith('/static/') && versionedUrl(url);
  const copy = versioned && (await caches.match(versioned, { cacheName: STATIC_CACHE, ...ANY }));
  return copy || fetch(request);
}

// --- reminders ---

// Only a path on this site may be opened from a notification.
function sameOriginUrl(url) {
  try {
    const target = new URL(url || '/bedtime', self.location.origin);
    return target.origin === self.location.origin ? target.href : new URL('/bedtime', self.location.origin).href;
  } catch {
    return new URL('/bedtime', self.location.origin).href;
  }
}

// The buttons a reminder may carry: "Start routine" and "Later" (titles in the person's language).
const ACTIONS = ['routine', 'later'];

// The reminder's buttons, as many as this browser shows (none where it shows none).
function notificationActions(actions) {
  const most = (self.Notification && /** @type {{ maxActions?: number }} */ (self.Notification).maxActions) || 0;
  return (Array.isArray(actions) ? actions : [])
    .filter((a) => a && ACTIONS.includes(a.action) && typeof a.title === 'string' && a.title)
    .slice(0, most)
    .map((a) => ({ action: a.action, title: a.title.slice(0, 40) }));
}

// Show the reminder the server sent: {title, body, url, tag, actions, quiet}.
async function showReminder(data) {
  await self.registration.showNotification(data.title || 'Calm Calf', {
    body: data.body || '',
    icon: '/static/icons/icon-192.png',
    badge: '/static/icons/shortcut-96.png',
    tag: data.tag || 'bedtime',
    data: { url: sameOriginUrl(data.url) },
    actions: notificationActions(data.actions),
    silent: data.quiet === true, // the person chose a quiet reminder: no sound or vibration
  });
}

// "Later": ask the server for one more reminder in 30 minutes (once an evening). A refusal
// (already put off tonight, routine done, too late) or no connection changes nothing. The
// request proves it is this phone's reminder with the subscription's auth secret.
async function snooze() {
  const subscription = await self.registration.pushManager.getSubscription();
  if (!subscription) return 'off';
  const { endpoint, keys } = subscription.toJSON();
  try {
    const response = await fetch('/api/reminders/snooze', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ endpoint, auth: keys && keys.auth }),
    });
    return response.ok ? 'snoozed' : `refused ${response.status}`;
  } catch {
    return 'offline';
  }
}

// A tap on the reminder or one of its buttons: "Later" snoozes; the rest opens the routine.
async function notificationClicked(action, notification) {
  notification.close();
  if (action === 'later') return snooze();
  await openFromNotification(sameOriginUrl(notification.data && notification.data.url));
  return 'opened';
}

// "Tonight is done", when the phone is back online (see nightdone-core.js). No answer: the
// promise rejects, and the browser tries the sync again later.
async function sendNightDone() {
  await self.calmcalfNightDone.send(await self.registration.pushManager.getSubscription());
}

// Focus an open Calm Calf window on the reminder's page, or open one.
async function openFromNotification(url) {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  for (const client of windows) {
    if (new URL(client.url).origin !== self.location.origin) continue;
    try {
      await client.focus();
    } catch {
      // Focusing may be refused; navigating still brings the routine up.
    }
    return client.url === url ? client : client.navigate(url);
  }
  return self.clients.openWindow(url);
}

// The browser replaced the subscription: subscribe again and tell the server. The settings
// record (written by the Reminders page) also holds the subscription they were saved with,
// whose auth secret proves the old reminder is this phone's: to move it to new keys at the
// same endpoint (previousAuth), or to delete it at an old endpoint.
async function renewSubscription(oldSubscription) {
  const cache = await caches.open(SETTINGS_CACHE);
  const stored = await cache.match(SETTINGS_URL);
  if (!stored) return;
  const { endpoint: before, auth: beforeAuth, ...settings } = await stored.json();
  const old = oldSubscription ? oldSubscription.toJSON() : {};
  const oldEndpoint = before || old.endpoint;
  const oldAuth = beforeAuth || (old.keys && old.keys.auth);
  const { publicKey } = await (await fetch('/api/push/public-key')).json();
  const fresh = (await self.registration.pushManager.subscribe({
    userVisibleOnly: true, applicationServerKey: self.calmcalfBase64url.toBytes(publicKey),
  })).toJSON();
  const json = { 'Content-Type': 'application/json' };
  const same = fresh.endpoint === oldEndpoint;
  const previous = same && oldAuth ? { previousAuth: oldAuth } : {};
  const saved = await fetch('/api/reminders', {
    method: 'POST', headers: json, body: JSON.stringify({ subscription: fresh, ...settings, ...previous }),
  });
  if (saved.ok) {
    const record = { ...settings, endpoint: fresh.endpoint, auth: fresh.keys && fresh.keys.auth };
    await cache.put(SETTINGS_URL, new Response(JSON.stringify(record), { headers: json }));
  }
  if (oldEndpoint && !same && oldAuth) {
    await fetch('/api/reminders', { method: 'DELETE', headers: json, body: JSON.stringify({ endpoint: oldEndpoint, auth: oldAuth }) });
  }
}

// --- event wiring ---

self.addEventListener('install', (event) => {
  event.waitUntil(precache());
});

self.addEventListener('activate', (event) => {
  event.waitUntil(deleteOldCaches().then(() => self.clients.claim()));
});

self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'skip-waiting') self.skipWaiting();
});

self.addEventListener('push', (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = { body: event.data ? event.data.text() : '' };
  }
  event.waitUntil(showReminder(data));
});

self.addEventListener('notificationclick', (event) => {
  event.waitUntil(notificationClicked(event.action, event.notification));
});

self.addEventListener('sync', (event) => {
  if (event.tag === self.calmcalfNightDone.TAG) event.waitUntil(sendNightDone());
});

self.addEventListener('pushsubscriptionchange', (event) => {
  event.waitUntil(renewSubscription(event.oldSubscription));
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/')) return; // Live data is never cached.
  if (request.headers.has('HX-Request')) return; // An htmx fragment is live too, never a cached page.
  if (request.mode === 'navigate') {
    event.respondWith(answerNavigation(request));
  } else {
    event.respondWith(answerFile(request));
  }
});
