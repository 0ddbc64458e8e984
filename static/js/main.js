// On every page: the service worker with its update offer, the install offer,
// and source links that know when there is no connection.
// Each page's own feature module is loaded by that page (see templates).
import { initUpdates } from './updates.js';
import { initInstall } from './install.js';
import { initLinks } from './links.js';
import { initLanguage } from './language.js';

initLanguage();
initLinks();
initInstall();
initUpdates();
