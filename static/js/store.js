// Health data on the device: IndexedDB with a versioned schema.
//
// Each migration upgrades the database by one version and never drops data,
// so an app update keeps every record. Later features (checklist, diary) add
// migrations at the end of the list.

const DB_NAME = 'calmcalf';

export const MIGRATIONS = [
  // 1: cramp episodes, from Cramp now or added by hand, newest found by start time.
  (db) => {
    const episodes = db.createObjectStore('episodes', { keyPath: 'id' });
    episodes.createIndex('start', 'start');
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

/** Run fn(store) in one transaction and resolve with its request's result. */
async function withStore(name, mode, fn) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(name, mode);
    const request = fn(tx.objectStore(name));
    tx.oncomplete = () => resolve(request ? request.result : undefined);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error('transaction aborted'));
  });
}

function newId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

/** Keep the data even when the device runs low on space, where the browser allows. */
export function askToPersist() {
  if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
}

/** Save a cramp episode; returns the stored record. */
export async function addEpisode(fields) {
  const episode = { id: newId(), severity: null, leg: null, note: '', ...fields };
  await withStore('episodes', 'readwrite', (store) => store.add(episode));
  askToPersist();
  return episode;
}

/** Change some fields of an episode. */
export async function updateEpisode(id, changes) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const tx = db.transaction('episodes', 'readwrite');
    const store = tx.objectStore('episodes');
    let updated = null;
    store.get(id).onsuccess = (event) => {
      if (!event.target.result) return;
      updated = { ...event.target.result, ...changes, id };
      store.put(updated);
    };
    tx.oncomplete = () => resolve(updated);
    tx.onerror = () => reject(tx.error);
  });
}

/** Every episode, oldest first. */
export function listEpisodes() {
  return withStore('episodes', 'readonly', (store) => store.index('start').getAll());
}
