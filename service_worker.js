// Calm Calf's service worker: the whole app, cached, so it opens with no network.
//
// The version and the list of files come from /sw-precache.js, which the server
// builds from the app's own pages and static files. The browser compares that
// imported script byte for byte, so a new app version installs a new worker,
// which waits until the person taps "Update".

importScripts('/sw-precache.js');

const { version: VERSION, urls: PRECACHE_URLS } = self.CALMCALF_PRECACHE;
const PREFIX = 'calmcalf-';
const STATIC_CACHE = `${PREFIX}static-${VERSION}`;
const EXPECTED_CACHES = [STATIC_CACHE];

// --- caching strategies ---

// Fetch every app file past the HTTP cache, so a new version never mixes in old files.
async function precache() {
  const cache = await caches.open(STATIC_CACHE);
  await cache.addAll(PRECACHE_URLS.map((url) => new Request(url, { cache: 'no-cache' })));
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
  const cached = await cache.match(url.pathname);
  if (cached) return cached;
  try {
    return await fetch(request);
  } catch (error) {
    return (await cache.match('/')) || Response.error();
  }
}

// Other files: cache first, then the network.
async function answerFile(request) {
  const cached = await caches.match(request, { cacheName: STATIC_CACHE });
  return cached || fetch(request);
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

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/')) return; // Live data is never cached.
  if (request.mode === 'navigate') {
    event.respondWith(answerNavigation(request));
  } else {
    event.respondWith(answerFile(request));
  }
});
