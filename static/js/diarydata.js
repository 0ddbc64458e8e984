// Figures from the diary: per night, per week, routine nights against the rest,
// and nights with and without each habit and possible trigger. Pure functions over
// the stored records, shared by the diary and the printed report (CSV: diarycsv.js).
//
// Every figure is over the nights the person recorded: from the night of their first
// record (a cramp, a checklist tick, the routine, an evening note) to the night we are
// in. The nights before it are "not recorded", never nights without cramps.

import { nightOf, shiftNight } from './nights.js';

/** The nights of the last `weeks` weeks, oldest first, ending with the night we are in. */
export function windowNights(weeks, now = new Date()) {
  const current = nightOf(now);
  const nights = [];
  for (let n = weeks * 7 - 1; n >= 0; n -= 1) nights.push(shiftNight(current, n));
  return nights;
}

/**
 * The night of the first record: a cramp, a checklist night with a tick (the routine
 * ticks one), or an evening note of possible triggers. Null when nothing is recorded.
 * Medicine changes do not count: a date typed for a medicine says nothing about the nights.
 */
export function firstRecordedNight(episodes, checklist, notes = []) {
  const nights = [
    ...episodes.map((e) => nightOf(new Date(e.start))),
    ...checklist.filter((c) => Object.values(c.ticks || {}).some(Boolean)).map((c) => c.night),
    ...notes.map((n) => n.night),
  ];
  return nights.length ? nights.reduce((a, b) => (b < a ? b : a)) : null;
}

/** The recorded nights of the last `weeks` weeks: from the first record (or the window's start) to now. */
export function recordedNights(first, weeks, now = new Date()) {
  return first ? windowNights(weeks, now).filter((night) => night >= first) : [];
}

/**
 * One row per night: whether it is recorded (on or after `since`), cramps, worst
 * severity, episodes, whether the routine was done, that evening's ticks and note of
 * possible triggers (null: not noted), and the medicine changes dated that day.
 */
export function nightly(episodes, checklist, nights, { notes = [], medicines = [], since = null } = {}) {
  const rows = new Map(nights.map((night) => [night, {
    night, recorded: since != null && night >= since,
    cramps: 0, worst: null, routine: false, episodes: [], ticks: {}, triggers: null, medicines: [],
  }]));
  for (const episode of episodes) {
    const row = rows.get(nightOf(new Date(episode.start)));
    if (!row) continue;
    row.cramps += 1;
    row.episodes.push(episode);
    if (episode.severity != null) row.worst = Math.max(row.worst ?? 0, episode.severity);
  }
  for (const record of checklist) {
    const row = rows.get(record.night);
    if (!row) continue;
    row.routine = Boolean(record.ticks.stretch);
    row.ticks = record.ticks;
  }
  for (const note of notes) {
    const row = rows.get(note.night);
    if (row) row.triggers = note.triggers;
  }
  for (const medicine of medicines) rows.get(medicine.date)?.medicines.push(medicine);
  return [...rows.values()];
}

/** Seven nights to a row, for the table beside the chart: `recorded` is how many of them were. */
export function weekly(rows) {
  const weeks = [];
  for (let i = 0; i < rows.length; i += 7) {
    const week = rows.slice(i, i + 7);
    const severities = week.map((r) => r.worst).filter((s) => s != null);
    weeks.push({
      start: week[0].night,
      recorded: week.filter((r) => r.recorded).length,
      cramps: week.reduce((sum, r) => sum + r.cramps, 0),
      worst: severities.length ? Math.max(...severities) : null,
      routine: week.filter((r) => r.routine).length,
    });
  }
  return weeks;
}

/** Cramps per night on routine nights and on other nights: recorded, finished nights only (not the one we are in). */
export function compare(rows, now = new Date()) {
  const current = nightOf(now);
  const used = rows.filter((r) => r.recorded && r.night !== current);
  return { routine: rate(used.filter((r) => r.routine)), other: rate(used.filter((r) => !r.routine)) };
}

/** The recorded rows' totals: nights, cramps, nights with cramps, routine nights. */
export function totals(rows) {
  const recorded = rows.filter((r) => r.recorded);
  return {
    nights: recorded.length,
    cramps: recorded.reduce((sum, r) => sum + r.cramps, 0),
    crampNights: recorded.filter((r) => r.cramps).length,
    routine: recorded.filter((r) => r.routine).length,
  };
}

/** Cramps per night over a list of nights. */
function rate(list) {
  const cramps = list.reduce((sum, r) => sum + r.cramps, 0);
  return { nights: list.length, cramps, perNight: list.length ? cramps / list.length : null };
}

/** The fewest nights on each side before a comparison is shown (app/web/content/triggers.py). */
export const MIN_NIGHTS = 5;

/**
 * Cramps per night with and without each habit and each possible trigger.
 *
 * Only nights noted that evening count, before anyone knows whether a cramp will
 * come, so nights with and without cramps are counted the same way: a habit
 * compares the nights the checklist was filled in (a tick or a trigger note), a
 * trigger the nights its question was answered (a trigger or "None of these").
 * Triggers tagged after a cramp stay with that cramp and are not counted here:
 * only nights with a cramp could have them. Finished nights only.
 */
export function compareFactors(rows, { habits, triggers }, now = new Date(), min = MIN_NIGHTS) {
  const current = nightOf(now);
  const finished = rows.filter((r) => r.night !== current);
  const filledIn = finished.filter((r) => Object.keys(r.ticks).length > 0 || r.triggers != null);
  const answered = finished.filter((r) => r.triggers != null);
  const split = (kind, key, base, has) => {
    const withIt = rate(base.filter(has));
    const without = rate(base.filter((r) => !has(r)));
    return { kind, key, with: withIt, without, enough: withIt.nights >= min && without.nights >= min };
  };
  return [
    ...habits.map((key) => split('habit', key, filledIn, (r) => Boolean(r.ticks[key]))),
    ...triggers.map((key) => split('trigger', key, answered, (r) => r.triggers.includes(key))),
  ];
}

export function median(values) {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
