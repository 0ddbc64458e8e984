// The page's side of "tonight is done" (see nightdone-core.js): noted when the bedtime
// routine is finished with reminders on, sent now, or when the phone is back online.

import './nightdone-core.js'; // a classic script shared with the service worker: self.calmcalfNightDone
import { nightDate, nightOf } from './nights.js';
import { reminderLanguage } from './reminderlang.js';

const core = () => /** @type {any} */ (self).calmcalfNightDone;

/** Send a waiting note now; if there is no answer, try again when back online, and let the worker try. */
export async function sendPendingNightDone() {
  if (!('serviceWorker' in navigator) || !('caches' in window)) return 'none';
  const registration = await navigator.serviceWorker.ready;
  try {
    return await core().send(await registration.pushManager.getSubscription());
  } catch {
    window.addEventListener('online', () => { sendPendingNightDone().catch(() => {}); }, { once: true });
    const sync = /** @type {any} */ (registration).sync;
    if (sync) await sync.register(core().TAG).catch(() => {});
    return 'waiting';
  }
}

/** The routine is done tonight: tell the server, if this phone has reminders on. */
export async function tellNightDone(now = new Date()) {
  if (!reminderLanguage()) return 'off'; // set while this phone has reminders on (reminderlang.js)
  const night = nightOf(now);
  const evening = nightDate(night);
  const until = new Date(evening.getFullYear(), evening.getMonth(), evening.getDate() + 1, 12).getTime();
  await core().keep(night, until);
  return sendPendingNightDone();
}
