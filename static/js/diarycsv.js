// The diary as CSV, for people and spreadsheets: one row per cramp, per medicine
// change and per evening's note of possible triggers, told apart by the first column.

import { nightOf } from './nights.js';

export const CSV_COLUMNS = [
  'record', 'start', 'end', 'duration_seconds', 'leg', 'severity', 'triggers', 'note', 'source', 'night', 'medicine', 'change',
];

/** One CSV cell: quoted where needed; text that a spreadsheet would run as a formula is defused. */
function cell(value) {
  if (value == null) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Everything as CSV. `headers` gives the header row, `values` the words for record
 * kinds, legs, sources and medicine changes, and `triggers` the triggers' words, in
 * the page's language. A medicine change's date is in the start column.
 */
export function diaryCsv({ episodes, medicines = [], notes = [] }, { headers = CSV_COLUMNS, values = {}, triggers = {} } = {}) {
  const word = (value) => (value != null && values[value]) || value;
  const words = (keys) => (keys ?? []).map((key) => triggers[key] || key).join('; ');
  const rows = [
    ...episodes.map((e) => ({
      record: word('cramp'), start: e.start, end: e.end, duration_seconds: e.durationSeconds, leg: word(e.leg),
      severity: e.severity, triggers: words(e.triggers), note: e.note, source: word(e.source), night: nightOf(new Date(e.start)),
    })),
    ...medicines.map((m) => ({ record: word('medicine'), start: m.date, medicine: m.name, change: word(m.change) })),
    ...notes.map((n) => ({
      record: word('night-note'), night: n.night, triggers: n.triggers.length ? words(n.triggers) : word('none'),
    })),
  ];
  const lines = [headers.map(cell).join(','), ...rows.map((row) => CSV_COLUMNS.map((c) => cell(row[c])).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}

/** Offer text as a file download. */
export function download(filename, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
