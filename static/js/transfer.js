// The whole diary in and out of the device (cramps, checklist ticks, medicine
// changes, the evenings' trigger notes): the JSON export, and an import that
// is checked completely (diaryfile.js) before anything is written.

import { SCHEMA_VERSION, askToPersist, transaction } from './db.js';
import { EXPORT_KIND, checkImport, parseExport } from './diaryfile.js';
import { listChecklist, listEpisodes } from './store.js';
import { listMedicines, listNightNotes } from './notes.js';

/** Everything on the device, as one plain object (the JSON export). */
export async function exportData() {
  const [episodes, checklist, medicines, nightNotes] = await Promise.all([
    listEpisodes(), listChecklist(), listMedicines(), listNightNotes(),
  ]);
  return {
    kind: EXPORT_KIND, schema: SCHEMA_VERSION, exportedAt: new Date().toISOString(), episodes, checklist, medicines, nightNotes,
  };
}

/**
 * Add an export's records to this device (records with the same id or night are
 * replaced). All or nothing: one transaction, written only after every record passed.
 */
export async function importData(text) {
  const clean = checkImport(parseExport(text));
  const stores = ['episodes', 'checklist', 'medicines', 'nightnotes'];
  await transaction(stores, 'readwrite', ({ episodes, checklist, medicines, nightnotes }) => {
    clean.episodes.forEach((e) => episodes.put(e));
    clean.checklist.forEach((c) => checklist.put(c));
    clean.medicines.forEach((m) => medicines.put(m));
    clean.nightNotes.forEach((n) => nightnotes.put(n));
  });
  askToPersist();
  return { episodes: clean.episodes.length, nights: clean.checklist.length, medicines: clean.medicines.length };
}
