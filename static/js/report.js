// The printable report for a doctor, filled in from the data on this device.

import { message, plural, setText } from './text.js';
import { listChecklist, listEpisodes } from './store.js';
import { median, nightly, windowNights } from './diarydata.js';

const $ = (id) => document.getElementById(id);
const lang = () => document.documentElement.lang;
const number = (n, digits = 1) => n.toLocaleString(lang(), { maximumFractionDigits: digits });

function longDate(night) {
  const [y, m, d] = night.split('-').map(Number);
  return new Intl.DateTimeFormat(lang(), { day: 'numeric', month: 'long', year: 'numeric' }).format(new Date(y, m - 1, d));
}

function cells(values) {
  const tr = document.createElement('tr');
  for (const value of values) {
    const td = document.createElement('td');
    td.textContent = value;
    tr.append(td);
  }
  return tr;
}

export async function initReport() {
  const root = $('report');
  if (!root) return;
  const none = message(root, 'none');
  const [episodes, checklist] = await Promise.all([listEpisodes(), listChecklist()]);

  function fill(weeks) {
    const nights = windowNights(weeks);
    const rows = nightly(episodes, checklist, nights);
    const inPeriod = rows.flatMap((r) => r.episodes);
    const severities = inPeriod.map((e) => e.severity).filter((s) => s != null);
    const durations = inPeriod.map((e) => e.durationSeconds).filter((s) => s != null);
    const minutes = (s) => (s == null ? none : message(root, 'minutes', { n: number(s / 60) }));
    setText('report-period', plural(root, 'period', weeks, { from: longDate(nights[0]), to: longDate(nights.at(-1)) }));
    setText('r-count', String(inPeriod.length));
    const ofNights = (n, total) => plural(root, 'of-nights', total, { n: number(n), total: number(total) });
    setText('r-nights', ofNights(rows.filter((r) => r.cramps).length, rows.length));
    setText('r-per-week', number(inPeriod.length / weeks));
    setText('r-severity', severities.length ? number(severities.reduce((a, b) => a + b, 0) / severities.length) : none);
    setText('r-duration', durations.length ? minutes(median(durations)) : none);
    setText('r-longest', durations.length ? minutes(Math.max(...durations)) : none);
    const byNight = new Map(checklist.map((c) => [c.night, c.ticks]));
    root.querySelectorAll('[data-habit]').forEach((cell) => {
      const n = nights.filter((night) => byNight.get(night)?.[cell.dataset.habit]).length;
      cell.textContent = ofNights(n, nights.length);
    });
    const format = new Intl.DateTimeFormat(lang(), {
      weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit',
    });
    $('r-episodes').replaceChildren(...inPeriod.map((e) => cells([
      format.format(new Date(e.start)),
      e.durationSeconds == null ? '' : number(e.durationSeconds / 60),
      e.leg ? message(root, e.leg) : '',
      e.severity == null ? '' : String(e.severity),
      e.note || '',
    ])));
    if (!inPeriod.length) $('r-episodes').append(cells([none, '', '', '', '']));
    root.dataset.ready = 'true';
  }

  $('report-weeks').addEventListener('change', (event) => fill(Number(event.target.value)));
  $('print-report').addEventListener('click', () => window.print());
  fill(Number($('report-weeks').value));
}

initReport();
