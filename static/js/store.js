// Health records on the device: cramp episodes and checklist ticks (the evening's
// trigger notes and medicine changes are in notes.js, which the relief screen does not need).
// The database itself is db.js; moving the whole diary in and out is transfer.js.

import { askToPersist, resultOf, transaction } from './db.js';

export function newId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

// --- episodes ----------------------------------------------------------------

/** Save a cramp episode; returns the stored record. */
export async function addEpisode(fields) {
  const episode = {
    id: newId(), end: null, durationSeconds: null, severity: null, leg: null, note: '', triggers: [], ...fields,
  };
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
