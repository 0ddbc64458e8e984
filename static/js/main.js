// On every page: the service worker with its update offer, the install offer, source
// links that know when there is no connection, and the language choice. No first screen
// needs any of them, so they load once the page has loaded (the load event, not a timer:
// timers can be held, as by a test's paused clock), never ahead of the page's own modules.
// Each page's own feature module is loaded by that page (see templates).

// The browser's install offer may come before the load event (once the manifest and the
// worker are in): keep it here, at once, for install.js, which is loaded after that event.
// Only a page with our own quiet Install button holds back the browser's banner, early or late.
let earlyOffer = null;
function keepOffer(event) {
  if (document.getElementById('install')) event.preventDefault();
  earlyOffer = event;
}
window.addEventListener('beforeinstallprompt', keepOffer);

async function initShared() {
  const language = import('./language.js');
  const links = import('./links.js');
  const install = import('./install.js');
  const updates = import('./updates.js');
  (await language).initLanguage();
  (await links).initLinks();
  (await install).initInstall(earlyOffer); // listens from here on, in the same task
  window.removeEventListener('beforeinstallprompt', keepOffer);
  (await updates).initUpdates();
}

if (document.readyState === 'complete') initShared();
else window.addEventListener('load', () => initShared(), { once: true });
