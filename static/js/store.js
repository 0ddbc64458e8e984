// Health records on the device: cramp episodes, checklist ticks, the evening's
// note of possible triggers, and medicine changes.
// The database itself is db.js; moving the whole diary in and out is transfer.js.

import { askToPersist, resultOf, transaction } from './db.js';

function newId() {
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

// --- the evening's note of possible triggers ---------------------------------

/**
 * A night's note: { night, triggers: [key…], updatedAt }. An empty list means
 * "none of these"; no record means the question was not answered that night.
 */
export function getNightNote(night) {
  return transaction('nightnotes', 'readonly', ({ nightnotes }) => resultOf(nightnotes.get(night)));
}

/** Save a night's triggers (an empty list: "none of these"), or forget the note with null. */
export async function setNightNote(night, triggers) {
  const record = triggers == null ? null : { night, triggers: [...triggers], updatedAt: new Date().toISOString() };
  await transaction('nightnotes', 'readwrite', ({ nightnotes }) => (
    record ? nightnotes.put(record) : nightnotes.delete(night)
  ));
  askToPersist();
  return record;
}

/** Every night's note, oldest first. */
export function listNightNotes() {
  return transaction('nightnotes', 'readonly', ({ nightnotes }) => resultOf(nightnotes.getAll()));
}

// --- medicine changes ----------------------------------------------------------

/** Note that a medicine was started, changed or stopped: { name, change, date: "YYYY-MM-DD" }. */
export async function addMedicine(fields) {
  const medicine = { id: newId(), ...fields };
  await transaction('medicines', 'readwrite', ({ medicines }) => medicines.add(medicine));
  askToPersist();
  return medicine;
}

export function deleteMedicine(id) {
  return transaction('medicines', 'readwrite', ({ medicines }) => medicines.delete(id));
}

/** Every medicine change, oldest first. */
export function listMedicines() {
  return transaction('medicines', 'readonly', ({ medicines }) => resultOf(medicines.index('date').getAll()));
}
