// Figures from the diary: per night, per week, and routine nights against the rest.
// Pure functions over the stored records, shared by the diary and the printed report.

import { nightOf, shiftNight } from './nights.js';

/** The nights of the last `weeks` weeks, oldest first, ending with the night we are in. */
export function windowNights(weeks, now = new Date()) {
  const current = nightOf(now);
  const nights = [];
  for (let n = weeks * 7 - 1; n >= 0; n -= 1) nights.push(shiftNight(current, n));
  return nights;
}

/** One row per night: cramps, worst severity, episodes, and whether the routine was done. */
export function nightly(episodes, checklist, nights) {
  const rows = new Map(nights.map((night) => [night, { night, cramps: 0, worst: null, routine: false, episodes: [] }]));
  for (const episode of episodes) {
    const row = rows.get(nightOf(new Date(episode.start)));
    if (!row) continue;
    row.cramps += 1;
    row.episodes.push(episode);
    if (episode.severity != null) row.worst = Math.max(row.worst ?? 0, episode.severity);
  }
  for (const record of checklist) {
    const row = rows.get(record.night);
    if (row) row.routine = Boolean(record.ticks.stretch);
  }
  return [...rows.values()];
}

/** Seven nights to a row, for the table beside the chart. */
export function weekly(rows) {
  const weeks = [];
  for (let i = 0; i < rows.length; i += 7) {
    const week = rows.slice(i, i + 7);
    const severities = week.map((r) => r.worst).filter((s) => s != null);
    weeks.push({
      start: week[0].night,
      cramps: week.reduce((sum, r) => sum + r.cramps, 0),
      worst: severities.length ? Math.max(...severities) : null,
      routine: week.filter((r) => r.routine).length,
    });
  }
  return weeks;
}

/**
 * Cramps per night on routine nights and on other nights. Only finished nights
 * count (not the one we are in), from the first night the diary was used.
 */
export function compare(rows, now = new Date()) {
  const current = nightOf(now);
  const firstUsed = rows.findIndex((r) => r.cramps > 0 || r.routine);
  const used = firstUsed < 0 ? [] : rows.slice(firstUsed).filter((r) => r.night !== current);
  const rate = (list) => ({
    nights: list.length,
    cramps: list.reduce((sum, r) => sum + r.cramps, 0),
    perNight: list.length ? list.reduce((sum, r) => sum + r.cramps, 0) / list.length : null,
  });
  return { routine: rate(used.filter((r) => r.routine)), other: rate(used.filter((r) => !r.routine)) };
}

export function median(values) {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

// --- CSV ---------------------------------------------------------------------

export const CSV_COLUMNS = ['start', 'end', 'duration_seconds', 'leg', 'severity', 'note', 'source', 'night'];

/** One CSV cell: quoted where needed; text that a spreadsheet would run as a formula is defused. */
function cell(value) {
  if (value == null) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The episodes as CSV; labels give the header row and the words for leg and source in the page's language. */
export function episodesCsv(episodes, { headers = CSV_COLUMNS, values = {} } = {}) {
  const word = (value) => (value != null && values[value]) || value;
  const lines = [headers.map(cell).join(',')];
  for (const e of episodes) {
    lines.push([
      e.start, e.end, e.durationSeconds, word(e.leg), e.severity, e.note, word(e.source), nightOf(new Date(e.start)),
    ].map(cell).join(','));
  }
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
