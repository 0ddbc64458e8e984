// The device's health database: IndexedDB with a versioned schema.
//
// Each migration upgrades the database by one version and never drops data,
// so an app update keeps every record. New features add migrations at the end.

const DB_NAME = 'calmcalf';

/** @type {((db: IDBDatabase, transaction: IDBTransaction) => void)[]} */
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
  // 3: medicine changes, the evening's note of possible triggers, and a triggers
  // list on every episode (existing episodes get an empty one; nothing else changes).
  (db, tx) => {
    const medicines = db.createObjectStore('medicines', { keyPath: 'id' });
    medicines.createIndex('date', 'date');
    db.createObjectStore('nightnotes', { keyPath: 'night' });
    tx.objectStore('episodes').openCursor().onsuccess = (event) => {
      const cursor = /** @type {IDBRequest<IDBCursorWithValue | null>} */ (event.target).result;
      if (!cursor) return;
      if (!Array.isArray(cursor.value.triggers)) cursor.update({ ...cursor.value, triggers: [] });
      cursor.continue();
    };
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
export async function transaction(names, mode, work) {
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
export const resultOf = (request) => () => request.result;

/** Keep the data even when the device runs low on space, where the browser allows. */
export function askToPersist() {
  if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
}
