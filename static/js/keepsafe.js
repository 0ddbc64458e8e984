// A browser may clear a site's data, IndexedDB included: Safari does after 7 days of use
// without a visit, unless the app is on the Home Screen. Where the browser does not promise
// to keep the diary, and the app is not installed, the diary says so and what to do.

import { $ } from './dom.js';
import { isStandalone } from './install.js';

/** Show the warning unless the app is installed or the browser keeps this site's data for sure. */
export async function warnIfNotKept() {
  const warning = $('storage-warning');
  if (!warning || isStandalone()) return;
  const kept = navigator.storage?.persisted ? await navigator.storage.persisted().catch(() => false) : false;
  warning.hidden = kept;
}
