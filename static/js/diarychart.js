// The diary's chart of the last weeks (bars of cramps per night, brighter for
// more severe, routine nights and medicine changes marked, the nights before the
// first record shaded as not recorded), its summary in words, and the same weeks as a table.

import { element, svgElement } from './dom.js';
import { message, plural } from './text.js';
import { totals, weekly } from './diarydata.js';
import { nightDate } from './nights.js';

const HEIGHT = 170;
const BASE = 120; // the bars stand on this line; 110 units is the tallest bar
const LABEL_ROOM = 48; // px a date label needs

const lang = () => document.documentElement.lang;
const severityClass = (s) => (s == null ? 'sev-unknown' : s >= 7 ? 'sev-high' : s >= 4 ? 'sev-mid' : 'sev-low');

/** "22 Nov" for a night. */
export function shortDate(night) {
  return new Intl.DateTimeFormat(lang(), { day: 'numeric', month: 'short' }).format(nightDate(night));
}

/**
 * The chart, drawn to the width it is shown at: one unit is one CSS pixel, so
 * the date labels are as large on a phone as on a desktop (see .chart-svg .tick).
 */
export function drawChart(container, rows) {
  const width = Math.max(160, Math.round(container.clientWidth || 560));
  const step = width / rows.length;
  const labelEvery = [7, 14, 28].find((n) => n * step >= LABEL_ROOM) ?? rows.length;
  const most = Math.max(2, ...rows.map((r) => r.cramps));
  const chart = svgElement('svg', {
    viewBox: `0 0 ${width} ${HEIGHT}`, width, height: HEIGHT, class: 'chart-svg', role: 'img', 'aria-labelledby': 'chart-summary',
  });
  for (let level = 1; level <= most; level += 1) {
    const y = BASE - (level / most) * 110;
    chart.append(svgElement('line', { x1: 0, x2: width, y1: y, y2: y, class: 'grid' }));
  }
  const unrecorded = rows.findIndex((r) => r.recorded);
  const before = unrecorded < 0 ? rows.length : unrecorded;
  if (before) chart.append(svgElement('rect', { x: 0, y: 0, width: before * step, height: 140, class: 'unrecorded' }));
  chart.append(svgElement('line', { x1: 0, x2: width, y1: BASE, y2: BASE, class: 'axis' }));
  rows.forEach((row, i) => {
    const x = i * step;
    if (row.cramps) {
      const height = (row.cramps / most) * 110;
      chart.append(svgElement('rect', {
        x: x + step * 0.15, y: BASE - height, width: step * 0.7, height, rx: Math.min(2, step / 4), class: `bar ${severityClass(row.worst)}`,
      }));
    }
    if (row.medicines.length) {
      const cx = x + step / 2;
      chart.append(
        svgElement('line', { x1: cx, x2: cx, y1: 8, y2: BASE, class: 'medicine', 'data-night': row.night }),
        svgElement('path', { d: `M${cx - 5} 0 L${cx + 5} 0 L${cx} 8 Z`, class: 'medicine-mark' }),
      );
    }
    if (row.routine) chart.append(svgElement('circle', { cx: x + step / 2, cy: 134, r: Math.min(3.2, step / 2.5), class: 'routine' }));
    if (i % labelEvery === 0 && x + LABEL_ROOM <= width) {
      chart.append(svgElement('text', { x: x + 1, y: 162, class: 'tick' }, shortDate(row.night)));
    }
  });
  chart.append(svgElement('text', { x: 2, y: 14, class: 'tick' }, String(most)));
  container.replaceChildren(chart);
}

/** Redraw the chart whenever its width changes (a turned phone, zoom). */
export function keepChartFitted(container, rowsNow) {
  let drawnAt = container.clientWidth;
  new ResizeObserver(() => {
    if (Math.abs(container.clientWidth - drawnAt) < 2) return;
    drawnAt = container.clientWidth;
    drawChart(container, rowsNow());
  }).observe(container);
}

/** One row per week: its first night, cramps, worst severity, routine nights of its recorded nights. */
export function drawTable(root, tbody, rows) {
  tbody.replaceChildren(...weekly(rows).map((week) => {
    const tr = element('tr');
    tr.append(element('th', { scope: 'row' }, shortDate(week.start)));
    if (!week.recorded) {
      tr.append(element('td', { colspan: '3' }, message(root, 'not-recorded')));
      return tr;
    }
    tr.append(
      element('td', {}, String(week.cramps)),
      element('td', {}, week.worst == null ? '–' : String(week.worst)),
      element('td', {}, `${week.routine}/${week.recorded}`),
    );
    return tr;
  }));
}

/** "3 of 8 nights" */
const ofNights = (root, n, total) => plural(root, 'of-nights', total, { n, total });

/**
 * "Recorded since 28 Nov: 8 nights. 4 cramps on 3 of 8 nights. Stretch routine on 5 of 8 nights."
 * (or "Last 8 weeks: 56 nights." for a longer diary; and the medicine changes marked).
 */
export function summary(root, rows) {
  const sum = totals(rows);
  const medicines = rows.reduce((s, r) => s + r.medicines.length, 0);
  const marked = medicines ? ` ${plural(root, 'chart-medicines', medicines)}` : '';
  if (!sum.nights) return message(root, 'nothing-recorded') + marked;
  const since = rows.find((r) => r.recorded).night;
  const period = since === rows[0].night
    ? message(root, 'last-weeks', { nights: plural(root, 'count-nights', sum.nights) })
    : message(root, 'recorded-since', { date: shortDate(since), nights: plural(root, 'count-nights', sum.nights) });
  const text = message(root, 'summary', {
    period,
    cramps: plural(root, 'count-cramps', sum.cramps),
    nights: ofNights(root, sum.crampNights, sum.nights),
    routine: ofNights(root, sum.routine, sum.nights),
  });
  return text + marked;
}

/** "0.33 cramps a night over 3 nights", or "not enough nights yet". */
export function rateText(root, figure) {
  if (!figure.nights) return message(root, 'too-few');
  const rate = Math.round(figure.perNight * 100) / 100;
  return message(root, 'per-night', {
    rate: plural(root, 'rate', rate, { n: rate.toLocaleString(lang(), { maximumFractionDigits: 2 }) }),
    nights: plural(root, 'over-nights', figure.nights),
  });
}
