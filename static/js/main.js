// On every page: the service worker with its update offer, the install offer, source
// links that know when there is no connection, and the language choice. No first screen
// needs any of them, so they load once the page has loaded (the load event, not a timer:
// timers can be held, as by a test's paused clock), never ahead of the page's own modules.
// Each page's own feature module is loaded by that page (see templates).

// The browser's install offer can come before the load event: keep it for install.js (loaded
// after it). Only a page with our own Install button holds back the browser's banner.
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
  (await install).initInstall(earlyOffer); // listening from here on, in this same task
  window.removeEventListener('beforeinstallprompt', keepOffer);
  (await updates).initUpdates();
}

if (document.readyState === 'complete') initShared();
else window.addEventListener('load', () => initShared(), { once: true });
