// On every page: the service worker with its update offer, the install offer, source
// links that know when there is no connection, and the language choice. No first screen
// needs any of them, so they load once the page has been painted (with nothing to
// download first, a tap on Cramp now is never kept waiting by them).
// Each page's own feature module is loaded by that page (see templates).

async function initShared() {
  const language = import('./language.js');
  const links = import('./links.js');
  const install = import('./install.js');
  const updates = import('./updates.js');
  (await language).initLanguage();
  (await links).initLinks();
  (await install).initInstall();
  (await updates).initUpdates();
}

const afterPaint = () => requestAnimationFrame(() => setTimeout(initShared, 0));
if (document.readyState === 'complete') afterPaint();
else window.addEventListener('load', afterPaint, { once: true });
