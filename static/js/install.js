// "Install Calm Calf" where the browser offers it; Add to Home Screen steps on iOS.

import { $ } from './dom.js';

export function isStandalone() {
  return window.matchMedia('(display-mode: standalone)').matches || navigator.standalone === true;
}

export function isIOS() {
  return /iphone|ipad|ipod/i.test(navigator.userAgent)
    || (navigator.platform === 'MacIntel' && navigator.maxTouchPoints > 1);
}

export function initInstall() {
  const box = $('install');
  const button = $('install-button');
  if (!box || !button || isStandalone()) return;
  let offered = null;
  window.addEventListener('beforeinstallprompt', (event) => {
    event.preventDefault(); // Our own quiet button instead of the browser's banner.
    offered = event;
    box.hidden = false;
    button.hidden = false;
  });
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
