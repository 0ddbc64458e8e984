// The whole diary in and out of the device: the JSON export, and an import that
// is checked completely (diaryfile.js) before anything is written.

import { SCHEMA_VERSION, askToPersist, transaction } from './db.js';
import { EXPORT_KIND, checkImport, parseExport } from './diaryfile.js';
import { listChecklist, listEpisodes } from './store.js';

/** Everything on the device, as one plain object (the JSON export). */
export async function exportData() {
  const [episodes, checklist] = await Promise.all([listEpisodes(), listChecklist()]);
  return { kind: EXPORT_KIND, schema: SCHEMA_VERSION, exportedAt: new Date().toISOString(), episodes, checklist };
}

/**
 * Add an export's records to this device (records with the same id or night are
 * replaced). All or nothing: one transaction, written only after every record passed.
 */
export async function importData(text) {
  const clean = checkImport(parseExport(text));
  await transaction(['episodes', 'checklist'], 'readwrite', ({ episodes, checklist }) => {
    clean.episodes.forEach((e) => episodes.put(e));
    clean.checklist.forEach((c) => checklist.put(c));
  });
  askToPersist();
  return { episodes: clean.episodes.length, nights: clean.checklist.length };
}
