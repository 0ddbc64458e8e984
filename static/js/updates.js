// Registers the service worker and offers a new version when one is waiting.
//
// The offer floats over the top of the screen and takes no layout space, so
// nothing moves under a thumb about to tap Cramp now; while a timer runs it
// waits, and it can be put off with "Not now".

import { $ } from './dom.js';

const timerRunning = () => document.documentElement.dataset.timer === 'running';

/** Show or hide the offer, never during a timer. */
function placeOffer(bar) {
  bar.hidden = bar.dataset.dismissed === 'true' || timerRunning();
}

/** Offer the waiting worker; reload once the new worker has taken over. */
function offerUpdate(worker) {
  const bar = $('update-inner');
  const button = $('update-button', HTMLButtonElement);
  if (!bar || !button) return;
  bar.dataset.offered = 'true';
  placeOffer(bar);
  document.addEventListener('calmcalf:timer-started', () => placeOffer(bar));
  document.addEventListener('calmcalf:timer-stopped', () => placeOffer(bar));
  $('update-later')?.addEventListener('click', () => {
    bar.dataset.dismissed = 'true';
    placeOffer(bar);
  });
  button.onclick = () => {
    button.disabled = true;
    sessionStorage.setItem('calmcalf.updating', '1');
    worker.postMessage({ type: 'skip-waiting' });
  };
}

export async function initUpdates() {
  if (!('serviceWorker' in navigator)) return;
  let registration;
  try {
    registration = await navigator.serviceWorker.register('/service_worker.js', {
      scope: '/',
      updateViaCache: 'none',
    });
  } catch {
    return; // Without a worker the app still works online.
  }
  // Reload only when the person asked for the update, and only once.
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (sessionStorage.getItem('calmcalf.updating') !== '1') return;
    sessionStorage.removeItem('calmcalf.updating');
    window.location.reload();
  });
  const hasController = () => Boolean(navigator.serviceWorker.controller);
  if (registration.waiting && hasController()) offerUpdate(registration.waiting);
  registration.addEventListener('updatefound', () => {
    const worker = registration.installing;
    if (!worker) return;
    worker.addEventListener('statechange', () => {
      if (worker.state === 'installed' && hasController()) offerUpdate(worker);
    });
  });
  // Check for a new version whenever the app comes back to the screen.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') registration.update().catch(() => {});
  });
}
