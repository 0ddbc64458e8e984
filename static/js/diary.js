// The diary: an 8-week chart, routine nights against the rest, every episode
// (add, edit, delete), and export/import of everything on the device.

import { message, plural, setText } from './text.js';
import {
  ImportProblem, addEpisode, dateKey, deleteEpisode, exportData, importData,
  listChecklist, listEpisodes, updateEpisode,
} from './store.js';
import {
  CSV_COLUMNS, compare, download, episodesCsv, nightly, weekly, windowNights,
} from './diarydata.js';

const $ = (id) => document.getElementById(id);
const SVG = 'http://www.w3.org/2000/svg';
const WEEKS = 8;
const lang = () => document.documentElement.lang;

function svg(name, attrs = {}, text = null) {
  const el = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  if (text !== null) el.textContent = text;
  return el;
}

function element(name, attrs = {}, text = null) {
  const el = document.createElement(name);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  if (text !== null) el.textContent = text;
  return el;
}

const severityClass = (s) => (s == null ? 'sev-unknown' : s >= 7 ? 'sev-high' : s >= 4 ? 'sev-mid' : 'sev-low');

function shortDate(night) {
  const [y, m, d] = night.split('-').map(Number);
  return new Intl.DateTimeFormat(lang(), { day: 'numeric', month: 'short' }).format(new Date(y, m - 1, d));
}

/** "YYYY-MM-DDTHH:MM" in local time, for a datetime-local input. */
function localInputValue(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${dateKey(date)}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** Bars of cramps per night (brighter: more severe), with routine nights marked beneath. */
function drawChart(rows) {
  const width = rows.length * 10;
  const chart = svg('svg', {
    viewBox: `0 0 ${width} 168`, class: 'chart-svg', role: 'img', 'aria-labelledby': 'chart-summary',
  });
  const most = Math.max(2, ...rows.map((r) => r.cramps));
  for (let level = 1; level <= most; level += 1) {
    const y = 120 - (level / most) * 110;
    chart.append(svg('line', { x1: 0, x2: width, y1: y, y2: y, class: 'grid' }));
  }
  chart.append(svg('line', { x1: 0, x2: width, y1: 120, y2: 120, class: 'axis' }));
  rows.forEach((row, i) => {
    if (row.cramps) {
      const height = (row.cramps / most) * 110;
      chart.append(svg('rect', {
        x: i * 10 + 1.5, y: 120 - height, width: 7, height, rx: 2, class: `bar ${severityClass(row.worst)}`,
      }));
    }
    if (row.routine) chart.append(svg('circle', { cx: i * 10 + 5, cy: 134, r: 3.2, class: 'routine' }));
    if (i % 7 === 0) chart.append(svg('text', { x: i * 10 + 1, y: 160, class: 'tick' }, shortDate(row.night)));
  });
  chart.append(svg('text', { x: 2, y: 12, class: 'tick' }, String(most)));
  $('chart').replaceChildren(chart);
}

function drawTable(rows) {
  $('chart-table').tBodies[0].replaceChildren(...weekly(rows).map((week) => {
    const tr = element('tr');
    tr.append(
      element('th', { scope: 'row' }, shortDate(week.start)),
      element('td', {}, String(week.cramps)),
      element('td', {}, week.worst == null ? '–' : String(week.worst)),
      element('td', {}, `${week.routine}/7`),
    );
    return tr;
  }));
}

export async function initDiary() {
  const root = $('diary');
  if (!root) return;
  const form = $('episode-form');
  let editing = null; // the id of the episode being edited, or null when adding
  let episodes = [];

  const describe = {
    rate(figure) {
      if (!figure.nights) return message(root, 'too-few');
      return plural(root, 'per-night', figure.nights, {
        rate: figure.perNight.toLocaleString(lang(), { maximumFractionDigits: 2 }),
      });
    },
    duration(seconds) {
      if (seconds == null) return null;
      return seconds < 60 ? message(root, 'seconds', { n: seconds }) : message(root, 'minutes', { n: Math.round(seconds / 60) });
    },
  };

  function episodeItem(episode) {
    const start = new Date(episode.start);
    const when = new Intl.DateTimeFormat(lang(), {
      weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit',
    }).format(start);
    const facts = [
      describe.duration(episode.durationSeconds),
      episode.leg ? message(root, episode.leg) : null,
      episode.severity != null ? message(root, 'severity', { n: episode.severity }) : null,
      episode.source === 'cramp-now' ? message(root, 'from-cramp-now') : null,
    ].filter(Boolean);
    const li = element('li', { class: 'episode', 'data-id': episode.id });
    const line = element('p');
    line.append(element('strong', {}, when), document.createTextNode(facts.length ? ` · ${facts.join(' · ')}` : ''));
    li.append(line);
    if (episode.note) li.append(element('p', { class: 'episode-note' }, episode.note));
    const actions = element('div', { class: 'episode-actions' });
    const edit = element('button', { type: 'button', class: 'secondary' }, message(root, 'edit'));
    const remove = element('button', { type: 'button', class: 'secondary' }, message(root, 'delete'));
    edit.setAttribute('aria-label', `${message(root, 'edit')}: ${when}`);
    remove.setAttribute('aria-label', `${message(root, 'delete')}: ${when}`);
    edit.addEventListener('click', () => openForm(episode));
    remove.addEventListener('click', () => confirmDelete(remove, episode, when));
    actions.append(edit, remove);
    li.append(actions);
    return li;
  }

  /** Delete takes two taps: the button turns into "Yes, delete". */
  async function confirmDelete(button, episode, when) {
    if (button.dataset.confirming !== 'true') {
      button.dataset.confirming = 'true';
      button.textContent = message(root, 'confirm-delete');
      button.setAttribute('aria-label', `${message(root, 'confirm-delete')}: ${when}`);
      return;
    }
    await deleteEpisode(episode.id);
    setText('episodes-status', message(root, 'deleted'));
    await refresh();
    $('add-episode').focus();
  }

  async function refresh() {
    const checklist = await listChecklist();
    episodes = await listEpisodes();
    const rows = nightly(episodes, checklist, windowNights(WEEKS));
    drawChart(rows);
    drawTable(rows);
    setText('chart-summary', message(root, 'summary', {
      cramps: plural(root, 'summary-cramps', rows.reduce((s, r) => s + r.cramps, 0)),
      nights: plural(root, 'summary-nights', rows.filter((r) => r.cramps).length),
      routine: plural(root, 'summary-routine', rows.filter((r) => r.routine).length),
    }));
    const figures = compare(rows);
    setText('compare-routine', describe.rate(figures.routine));
    setText('compare-other', describe.rate(figures.other));
    $('episode-list').replaceChildren(...[...episodes].reverse().map(episodeItem));
    $('episodes-empty').hidden = episodes.length > 0;
    root.dataset.ready = 'true';
  }

  // --- the add/edit form ---

  function showError(id, text) {
    const input = $(id);
    setText(`${id}-error`, text);
    if (text) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }

  /** Last night at 03:00: when most people will be adding a cramp. */
  function lastNight() {
    const d = new Date();
    d.setHours(3, 0, 0, 0);
    if (d > new Date()) d.setDate(d.getDate() - 1);
    return d;
  }

  function openForm(episode = null) {
    editing = episode ? episode.id : null;
    setText('episode-form-title', message(root, episode ? 'edit-title' : 'add-title'));
    form.elements.when.value = localInputValue(episode ? new Date(episode.start) : lastNight());
    form.elements.leg.value = episode?.leg ?? '';
    form.elements.severity.value = episode?.severity ?? '';
    form.elements.minutes.value = episode?.durationSeconds != null ? Math.round(episode.durationSeconds / 60) : '';
    form.elements.note.value = episode?.note ?? '';
    showError('ep-when', '');
    showError('ep-minutes', '');
    form.hidden = false;
    $('add-episode').hidden = true;
    form.elements.when.focus();
  }

  function closeForm() {
    form.hidden = true;
    $('add-episode').hidden = false;
    editing = null;
  }

  /** The form's values as episode fields, or null after showing what is wrong. */
  function readForm() {
    const when = form.elements.when.value ? new Date(form.elements.when.value) : null;
    const minutesText = form.elements.minutes.value.trim();
    const minutes = minutesText === '' ? null : Number(minutesText);
    let ok = true;
    if (!when || Number.isNaN(when.getTime())) {
      showError('ep-when', message(root, 'when-missing'));
      ok = false;
    } else if (when.getTime() > Date.now() + 60_000) {
      showError('ep-when', message(root, 'when-future'));
      ok = false;
    } else {
      showError('ep-when', '');
    }
    if (minutes !== null && !(Number.isInteger(minutes) && minutes >= 0 && minutes <= 600)) {
      showError('ep-minutes', message(root, 'duration-bad'));
      ok = false;
    } else {
      showError('ep-minutes', '');
    }
    if (!ok) {
      form.querySelector('[aria-invalid="true"]').focus();
      return null;
    }
    const durationSeconds = minutes === null ? null : minutes * 60;
    return {
      start: when.toISOString(),
      end: durationSeconds === null ? null : new Date(when.getTime() + durationSeconds * 1000).toISOString(),
      durationSeconds,
      leg: form.elements.leg.value || null,
      severity: form.elements.severity.value === '' ? null : Number(form.elements.severity.value),
      note: form.elements.note.value.trim(),
    };
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const fields = readForm();
    if (!fields) return;
    if (editing) await updateEpisode(editing, fields);
    else await addEpisode({ ...fields, source: 'manual' });
    closeForm();
    setText('episodes-status', message(root, 'saved'));
    await refresh();
    $('add-episode').focus();
  });
  $('add-episode').addEventListener('click', () => openForm());
  $('cancel-episode').addEventListener('click', () => {
    closeForm();
    $('add-episode').focus();
  });

  // --- export and import ---

  const today = () => dateKey(new Date());
  // The CSV is for people and spreadsheets: headers and words in the page's language.
  const csvLabels = () => ({
    headers: CSV_COLUMNS.map((column) => message(root, `csv-${column.replace(/_/g, '-')}`)),
    values: Object.fromEntries(['left', 'right', 'cramp-now', 'manual'].map((v) => [v, message(root, `csv-${v}`)])),
  });
  $('export-csv').addEventListener('click', async () => {
    const all = await listEpisodes();
    download(`calmcalf-diary-${today()}.csv`, episodesCsv(all, csvLabels()), 'text/csv;charset=utf-8');
    setText('data-status', plural(root, 'exported', all.length));
  });
  $('export-json').addEventListener('click', async () => {
    const data = await exportData();
    download(`calmcalf-diary-${today()}.json`, `${JSON.stringify(data, null, 2)}\n`, 'application/json');
    setText('data-status', plural(root, 'exported', data.episodes.length));
  });
  $('import-file').addEventListener('change', async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    try {
      const counts = await importData(await file.text());
      setText('data-status', message(root, 'imported', {
        episodes: plural(root, 'summary-cramps', counts.episodes), nights: plural(root, 'imported-nights', counts.nights),
      }));
      await refresh();
    } catch (error) {
      const code = error instanceof ImportProblem ? error.code : 'failed';
      setText('data-status', message(root, `import-${code}`, { where: error.where || '' }));
    } finally {
      event.target.value = '';
    }
  });

  await refresh();
}

initDiary();
