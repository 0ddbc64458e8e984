// The printable report for a doctor, filled in from the data on this device,
// and shared as a file where the phone can (reportfile.js). Every figure is over
// the nights recorded in the period: from the first record (at most the chosen weeks
// back) to now, and a habit never ticked reads "not recorded", not "0 of N".

import { $, element } from './dom.js';
import { duration, message, plural, setText } from './text.js';
import { listChecklist, listEpisodes } from './store.js';
import { listMedicines, listNightNotes } from './notes.js';
import { nightDate } from './nights.js';
import { firstRecordedNight, median, nightly, recordedNights } from './diarydata.js';
import { medicineDate, medicineText } from './diarymedicines.js';
import { triggerWords } from './triggers.js';
import { wireSharing } from './reportfile.js';

const lang = () => document.documentElement.lang;
const number = (n, digits = 1) => n.toLocaleString(lang(), { maximumFractionDigits: digits });

function longDate(night) {
  return new Intl.DateTimeFormat(lang(), { day: 'numeric', month: 'long', year: 'numeric' }).format(nightDate(night));
}

function cells(values) {
  const tr = element('tr');
  for (const value of values) tr.append(element('td', {}, value));
  return tr;
}

/** "3 of 8 nights" */
const ofNights = (root, n, total) => plural(root, 'of-nights', total, { n, total });

/** "Recorded since 28 November 2026: 8 nights.", or the chosen weeks of a longer diary. */
function periodText(root, first, nights) {
  if (!nights.length) return message(root, 'nothing');
  const count = plural(root, 'count-nights', nights.length);
  if (nights[0] === first) return message(root, 'since', { date: longDate(first), nights: count });
  return message(root, 'period', { from: longDate(nights[0]), to: longDate(nights.at(-1)), nights: count, date: longDate(first) });
}

/** The summary table: how often (over the recorded nights), how bad, how long. */
function fillSummary(root, rows) {
  const inPeriod = rows.flatMap((r) => r.episodes);
  const severities = inPeriod.map((e) => e.severity).filter((s) => s != null);
  const durations = inPeriod.map((e) => e.durationSeconds).filter((s) => s != null);
  const none = message(root, 'none');
  const notRecorded = message(root, 'not-recorded');
  setText('r-count', rows.length ? String(inPeriod.length) : notRecorded);
  setText('r-nights', rows.length ? ofNights(root, rows.filter((r) => r.cramps).length, rows.length) : notRecorded);
  setText('r-per-week', rows.length ? number((inPeriod.length / rows.length) * 7) : notRecorded);
  setText('r-severity', severities.length ? number(severities.reduce((a, b) => a + b, 0) / severities.length) : none);
  setText('r-duration', durations.length ? duration(root, median(durations)) : none);
  setText('r-longest', durations.length ? duration(root, Math.max(...durations)) : none);
}

/** On how many recorded nights each bedtime habit was ticked; "not recorded" if on none. */
function fillHabits(root, rows) {
  root.querySelectorAll('[data-habit]').forEach((cell) => {
    const n = rows.filter((r) => r.ticks[cell.dataset.habit]).length;
    cell.textContent = n ? ofNights(root, n, rows.length) : message(root, 'not-recorded');
  });
}

/** A table with rows, or one short "None recorded" line in its place (it keeps the report on one page). */
function showTable(id, hasRows) {
  $(`${id}-table`).hidden = !hasRows;
  $(`${id}-none`).hidden = hasRows;
  $(`${id}-table`).closest('section').classList.toggle('is-empty', !hasRows);
}

/** Every medicine change noted, oldest first (not only the period's: a doctor wants them all). */
function fillMedicines(root, medicines) {
  $('r-medicines').replaceChildren(...medicines.map((m) => cells([medicineDate(m.date), medicineText(root, m)])));
  showTable('r-medicines', medicines.length > 0);
}

/**
 * For each possible trigger tagged or noted in the period: on how many of its
 * cramps it was tagged, and in how many of its evening notes. Triggers never
 * tagged or noted are left out, so the report stays on one page.
 */
function fillTriggers(root, rows) {
  const episodes = rows.flatMap((r) => r.episodes);
  const evenings = rows.filter((r) => r.triggers != null);
  const lines = (root.dataset.triggers || '').split(' ').map((key) => ({
    key,
    cramps: episodes.filter((e) => (e.triggers ?? []).includes(key)).length,
    evenings: evenings.filter((r) => r.triggers.includes(key)).length,
  })).filter((line) => line.cramps || line.evenings);
  $('r-triggers').replaceChildren(...lines.map((line) => {
    const tr = cells([
      message(root, 'n-of', { n: line.cramps, total: episodes.length }),
      evenings.length ? message(root, 'n-of', { n: line.evenings, total: evenings.length }) : message(root, 'not-recorded'),
    ]);
    tr.prepend(element('th', { scope: 'row' }, message(root, `trigger-${line.key}`)));
    tr.dataset.trigger = line.key;
    return tr;
  }));
  showTable('r-triggers', lines.length > 0);
}

/** A cramp's possible triggers, then its note. */
const triggersAndNote = (root, e) => [triggerWords(root, e.triggers).join(', '), e.note || ''].filter(Boolean).join(' · ');

/** One row per cramp, in the same words for its length as everywhere else. */
function fillEpisodes(root, episodes) {
  const format = new Intl.DateTimeFormat(lang(), { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
  $('r-episodes').replaceChildren(...episodes.map((e) => cells([
    format.format(new Date(e.start)),
    e.durationSeconds == null ? '' : duration(root, e.durationSeconds),
    e.leg ? message(root, e.leg) : '',
    e.severity == null ? '' : String(e.severity),
    triggersAndNote(root, e),
  ])));
  if (!episodes.length) $('r-episodes').append(cells([message(root, 'none'), '', '', '', '']));
}

export async function initReport() {
  const root = $('report');
  if (!root) return;
  const [episodes, checklist, medicines, notes] = await Promise.all([
    listEpisodes(), listChecklist(), listMedicines(), listNightNotes(),
  ]);

  const first = firstRecordedNight(episodes, checklist, notes);

  function fill(weeks) {
    const nights = recordedNights(first, weeks);
    const rows = nightly(episodes, checklist, nights, { notes, medicines, since: first });
    setText('report-period', periodText(root, first, nights));
    fillSummary(root, rows);
    fillHabits(root, rows);
    fillMedicines(root, medicines);
    fillTriggers(root, rows);
    fillEpisodes(root, rows.flatMap((r) => r.episodes));
    root.dataset.ready = 'true';
  }

  $('report-weeks').addEventListener('change', (event) => fill(Number(/** @type {HTMLSelectElement} */ (event.target).value)));
  $('print-report').addEventListener('click', () => window.print());
  wireSharing(root);
  fill(Number($('report-weeks', HTMLSelectElement).value));
}

initReport();
