// "Install Calm Calf" where the browser offers it; Add to Home Screen steps on iOS.

import { $ } from './dom.js';

export function isStandalone() {
  return window.matchMedia('(display-mode: standalone)').matches || navigator.standalone === true;
}

export function isIOS() {
  return /iphone|ipad|ipod/i.test(navigator.userAgent)
    || (navigator.platform === 'MacIntel' && navigator.maxTouchPoints > 1);
}

/**
 * The install offer: `early` is the browser's offer if it came before this module was
 * loaded (main.js keeps it), later ones are heard here.
 * @param {Event | null} [early]
 */
export function initInstall(early = null) {
  const box = $('install');
  const button = $('install-button');
  if (!box || !button || isStandalone()) return;
  let offered = null;
  const offer = (event) => {
    event.preventDefault(); // Our own quiet button instead of the browser's banner.
    offered = event;
    box.hidden = false;
    button.hidden = false;
  };
  window.addEventListener('beforeinstallprompt', offer);
  if (early) offer(early);
  button.addEventListener('click', async () => {
    if (!offered) return;
    offered.prompt();
    await offered.userChoice.catch(() => null);
    offered = null;
    button.hidden = true;
    box.hidden = true;
  });
  window.addEventListener('appinstalled', () => {
    box.hidden = true;
  });
  if (isIOS()) {
    box.hidden = false;
    $('install-ios').hidden = false;
  }
}
