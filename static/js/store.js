// Health data on the device: IndexedDB with a versioned schema.
//
// Each migration upgrades the database by one version and never drops data,
// so an app update keeps every record. New features add migrations at the end.

const DB_NAME = 'calmcalf';

export const MIGRATIONS = [
  // 1: cramp episodes, from Cramp now or added by hand, found by start time.
  (db) => {
    const episodes = db.createObjectStore('episodes', { keyPath: 'id' });
    episodes.createIndex('start', 'start');
  },
  // 2: bedtime checklist ticks, one record per night ("2026-11-21" = that evening).
  (db) => {
    db.createObjectStore('checklist', { keyPath: 'night' });
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;

let opening = null;

/** The open database, upgraded to the current schema. */
export function openDb() {
  opening = opening || new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, SCHEMA_VERSION);
    request.onupgradeneeded = (event) => {
      for (let v = event.oldVersion; v < SCHEMA_VERSION; v += 1) {
        MIGRATIONS[v](request.result, request.transaction);
      }
    };
    request.onsuccess = () => {
      const db = request.result;
      // A newer tab wants to upgrade: step aside so it can.
      db.onversionchange = () => { db.close(); opening = null; };
      resolve(db);
    };
    request.onerror = () => { opening = null; reject(request.error); };
    request.onblocked = () => { opening = null; reject(new Error('database upgrade blocked by another tab')); };
  });
  return opening;
}

/** Run work(stores) in one transaction; resolves with work's return value once committed. */
async function transaction(names, mode, work) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(names, mode);
    const stores = Object.fromEntries([].concat(names).map((n) => [n, tx.objectStore(n)]));
    let result;
    try {
      result = work(stores, tx);
    } catch (error) {
      tx.abort();
      reject(error);
      return;
    }
    tx.oncomplete = () => resolve(typeof result === 'function' ? result() : result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error('transaction aborted'));
  });
}

/** A request's result, read once the transaction has committed. */
const resultOf = (request) => () => request.result;

function newId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

/** Keep the data even when the device runs low on space, where the browser allows. */
export function askToPersist() {
  if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
}

// --- nights ------------------------------------------------------------------

const pad = (n) => String(n).padStart(2, '0');

/** "YYYY-MM-DD" of a local calendar date. */
export function dateKey(date) {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/**
 * The night a moment belongs to, named by its evening's date. A night runs from
 * noon to noon in local time, so 00:30 belongs to the evening before.
 */
export function nightOf(moment = new Date()) {
  const d = new Date(moment);
  if (d.getHours() < 12) return dateKey(new Date(d.getFullYear(), d.getMonth(), d.getDate() - 1));
  return dateKey(d);
}

/** The night n nights before `night` (negative: after). */
export function shiftNight(night, n) {
  const [y, m, d] = night.split('-').map(Number);
  return dateKey(new Date(y, m - 1, d - n));
}

// --- episodes ----------------------------------------------------------------

/** Save a cramp episode; returns the stored record. */
export async function addEpisode(fields) {
  const episode = { id: newId(), end: null, durationSeconds: null, severity: null, leg: null, note: '', ...fields };
  await transaction('episodes', 'readwrite', ({ episodes }) => episodes.add(episode));
  askToPersist();
  return episode;
}

/** Change some fields of an episode; resolves with the new record (null if it is gone). */
export function updateEpisode(id, changes) {
  return transaction('episodes', 'readwrite', ({ episodes }) => {
    let updated = null;
    episodes.get(id).onsuccess = (event) => {
      if (!event.target.result) return;
      updated = { ...event.target.result, ...changes, id };
      episodes.put(updated);
    };
    return () => updated;
  });
}

export function deleteEpisode(id) {
  return transaction('episodes', 'readwrite', ({ episodes }) => episodes.delete(id));
}

/** Every episode, oldest first. */
export function listEpisodes() {
  return transaction('episodes', 'readonly', ({ episodes }) => resultOf(episodes.index('start').getAll()));
}

// --- checklist ---------------------------------------------------------------

/** Tonight's (or any night's) ticks: { night, ticks: { key: true } }. */
export function getChecklist(night) {
  return transaction('checklist', 'readonly', ({ checklist }) => {
    const request = checklist.get(night);
    return () => request.result || { night, ticks: {} };
  });
}

/** Tick or untick one item for a night. */
export async function setTick(night, key, ticked) {
  const record = await transaction('checklist', 'readwrite', ({ checklist }) => {
    let saved = null;
    checklist.get(night).onsuccess = (event) => {
      const current = event.target.result || { night, ticks: {} };
      const ticks = { ...current.ticks };
      if (ticked) ticks[key] = true;
      else delete ticks[key];
      saved = { night, ticks, updatedAt: new Date().toISOString() };
      checklist.put(saved);
    };
    return () => saved;
  });
  askToPersist();
  return record;
}

/** Every night's ticks, oldest first. */
export function listChecklist() {
  return transaction('checklist', 'readonly', ({ checklist }) => resultOf(checklist.getAll()));
}

// --- export and import -------------------------------------------------------

export const EXPORT_KIND = 'calmcalf-diary';

/** Everything on the device, as one plain object (the JSON export). */
export async function exportData() {
  const [episodes, checklist] = await Promise.all([listEpisodes(), listChecklist()]);
  return { kind: EXPORT_KIND, schema: SCHEMA_VERSION, exportedAt: new Date().toISOString(), episodes, checklist };
}

/** Why a file cannot be imported: `code` picks the message, `where` names the field. */
export class ImportProblem extends Error {
  constructor(code, where = '') {
    super(`${code}${where ? ` (${where})` : ''}`);
    this.code = code;
    this.where = where;
  }
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/;
const NIGHT = /^\d{4}-\d\d-\d\d$/;
const isIso = (v) => typeof v === 'string' && ISO.test(v) && !Number.isNaN(Date.parse(v));
const isIntIn = (v, lo, hi) => Number.isInteger(v) && v >= lo && v <= hi;

/** A clean copy of one imported episode, or an ImportProblem naming the bad field. */
function checkEpisode(e, i) {
  const where = (field) => `episodes[${i}].${field}`;
  if (!e || typeof e !== 'object' || Array.isArray(e)) throw new ImportProblem('bad-record', `episodes[${i}]`);
  if (typeof e.id !== 'string' || !e.id || e.id.length > 100) throw new ImportProblem('bad-field', where('id'));
  if (!isIso(e.start)) throw new ImportProblem('bad-field', where('start'));
  if (e.end != null && (!isIso(e.end) || Date.parse(e.end) < Date.parse(e.start))) throw new ImportProblem('bad-field', where('end'));
  if (e.durationSeconds != null && !isIntIn(e.durationSeconds, 0, 86400)) throw new ImportProblem('bad-field', where('durationSeconds'));
  if (e.leg != null && e.leg !== 'left' && e.leg !== 'right') throw new ImportProblem('bad-field', where('leg'));
  if (e.severity != null && !isIntIn(e.severity, 0, 10)) throw new ImportProblem('bad-field', where('severity'));
  if (e.note != null && (typeof e.note !== 'string' || e.note.length > 2000)) throw new ImportProblem('bad-field', where('note'));
  if (e.source !== 'cramp-now' && e.source !== 'manual') throw new ImportProblem('bad-field', where('source'));
  return {
    id: e.id, start: e.start, end: e.end ?? null, durationSeconds: e.durationSeconds ?? null,
    leg: e.leg ?? null, severity: e.severity ?? null, note: e.note ?? '', source: e.source,
  };
}

function checkNight(c, i) {
  const where = (field) => `checklist[${i}].${field}`;
  if (!c || typeof c !== 'object' || Array.isArray(c)) throw new ImportProblem('bad-record', `checklist[${i}]`);
  if (typeof c.night !== 'string' || !NIGHT.test(c.night)) throw new ImportProblem('bad-field', where('night'));
  const ticks = c.ticks;
  if (!ticks || typeof ticks !== 'object' || Array.isArray(ticks)
      || Object.entries(ticks).some(([k, v]) => k.length > 50 || v !== true)) {
    throw new ImportProblem('bad-field', where('ticks'));
  }
  if (c.updatedAt != null && !isIso(c.updatedAt)) throw new ImportProblem('bad-field', where('updatedAt'));
  const record = { night: c.night, ticks: { ...ticks } };
  if (c.updatedAt != null) record.updatedAt = c.updatedAt;
  return record;
}

/** Check a parsed export completely before anything is written. */
export function checkImport(data) {
  if (!data || typeof data !== 'object' || data.kind !== EXPORT_KIND) throw new ImportProblem('not-calmcalf');
  if (!Number.isInteger(data.schema) || data.schema < 1) throw new ImportProblem('bad-field', 'schema');
  if (data.schema > SCHEMA_VERSION) throw new ImportProblem('newer');
  if (!Array.isArray(data.episodes)) throw new ImportProblem('bad-field', 'episodes');
  if (!Array.isArray(data.checklist ?? [])) throw new ImportProblem('bad-field', 'checklist');
  return {
    episodes: data.episodes.map(checkEpisode),
    checklist: (data.checklist ?? []).map(checkNight),
  };
}

/**
 * Add an export's records to this device (records with the same id or night are
 * replaced). All or nothing: one transaction, written only after every record passed.
 */
export async function importData(text) {
  let data;
  try {
    data = JSON.parse(text);
  } catch {
    throw new ImportProblem('not-json');
  }
  const clean = checkImport(data);
  await transaction(['episodes', 'checklist'], 'readwrite', ({ episodes, checklist }) => {
    clean.episodes.forEach((e) => episodes.put(e));
    clean.checklist.forEach((c) => checklist.put(c));
  });
  askToPersist();
  return { episodes: clean.episodes.length, nights: clean.checklist.length };
}
