// Entry point on every page.
import { initUpdates } from './updates.js';
import { initInstall } from './install.js';
import { initRelief } from './relief.js';

initRelief();
initInstall();
initUpdates();
