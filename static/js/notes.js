// The diary's notes on the device: the evening's note of possible triggers and
// medicine changes. Kept apart from store.js so Cramp now loads none of it.

import { askToPersist, resultOf, transaction } from './db.js';
import { newId } from './store.js';

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
