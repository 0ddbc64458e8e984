// On every page: the service worker with its update offer, and the install offer.
// Each page's own feature module is loaded by that page (see templates).
import { initUpdates } from './updates.js';
import { initInstall } from './install.js';
import { initLanguage } from './language.js';

initLanguage();
initInstall();
initUpdates();
