// The diary: a chart of the last 8 weeks (figures over the nights recorded), routine nights against the rest,
// habits and possible triggers, every episode (add, edit, delete), medicine
// changes, and export/import of everything on the device. The pieces:
// diarychart.js, diarycompare.js, diarylist.js, diaryform.js, diarymedicines.js,
// diarycsv.js, transfer.js.

import { $ } from './dom.js';
import { message, plural, setText } from './text.js';
import { addEpisode, deleteEpisode, listChecklist, listEpisodes, updateEpisode } from './store.js';
import { listMedicines, listNightNotes } from './notes.js';
import { exportData, importData } from './transfer.js';
import { ImportProblem } from './diaryfile.js';
import { dateKey } from './nights.js';
import { compare, firstRecordedNight, nightly, windowNights } from './diarydata.js';
import { CSV_COLUMNS, diaryCsv, download } from './diarycsv.js';
import { drawChart, drawTable, keepChartFitted, rateText, summary } from './diarychart.js';
import { drawFactors } from './diarycompare.js';
import { MedicineSection } from './diarymedicines.js';
import { EpisodeList } from './diarylist.js';
import { EpisodeForm } from './diaryform.js';
import { closeIfStale } from './reliefsession.js';
import { warnIfNotKept } from './keepsafe.js';

const WEEKS = 8;
const today = () => dateKey(new Date());

/** The CSV is for people and spreadsheets: headers and words in the page's language. */
const csvLabels = (root) => ({
  headers: CSV_COLUMNS.map((column) => message(root, `csv-${column.replace(/_/g, '-')}`)),
  values: {
    ...Object.fromEntries(['left', 'right', 'cramp-now', 'manual', 'cramp', 'medicine', 'night-note', 'none']
      .map((v) => [v, message(root, `csv-${v}`)])),
    ...Object.fromEntries(['started', 'changed', 'stopped'].map((v) => [v, message(root, `medicine-${v}`)])),
  },
  triggers: Object.fromEntries((root.dataset.triggers || '').split(' ').map((v) => [v, message(root, `trigger-${v}`)])),
});

/** Draw everything from the records on the device. */
async function refresh(root, list, medicinesSection) {
  const [checklist, episodes, medicines, notes] = await Promise.all([
    listChecklist(), listEpisodes(), listMedicines(), listNightNotes(),
  ]);
  const since = firstRecordedNight(episodes, checklist, notes);
  const rows = nightly(episodes, checklist, windowNights(WEEKS), { notes, medicines, since });
  root.rows = rows;
  drawChart($('chart'), rows);
  drawTable(root, $('chart-table', HTMLTableElement).tBodies[0], rows);
  setText('chart-summary', summary(root, rows));
  const figures = compare(rows);
  setText('compare-routine', rateText(root, figures.routine));
  setText('compare-other', rateText(root, figures.other));
  drawFactors(root, rows);
  list.render(episodes);
  medicinesSection.render(medicines);
  $('episodes-empty').hidden = episodes.length > 0;
  root.dataset.ready = 'true';
}

/** Export CSV, Export JSON, and the import of a JSON export. */
function wireTransfer(root, redraw) {
  $('export-csv').addEventListener('click', async () => {
    const [episodes, medicines, notes] = await Promise.all([listEpisodes(), listMedicines(), listNightNotes()]);
    const csv = diaryCsv({ episodes, medicines, notes }, csvLabels(root));
    download(`calmcalf-diary-${today()}.csv`, csv, 'text/csv;charset=utf-8');
    setText('data-status', plural(root, 'exported', episodes.length));
  });
  $('export-json').addEventListener('click', async () => {
    const data = await exportData();
    download(`calmcalf-diary-${today()}.json`, `${JSON.stringify(data, null, 2)}\n`, 'application/json');
    setText('data-status', plural(root, 'exported', data.episodes.length));
  });
  $('import-file').addEventListener('change', async (event) => {
    const file = /** @type {HTMLInputElement} */ (event.target).files[0];
    if (!file) return;
    try {
      const counts = await importData(await file.text());
      setText('data-status', message(root, 'imported', {
        cramps: plural(root, 'count-cramps', counts.episodes), nights: plural(root, 'count-nights', counts.nights),
      }));
      await redraw();
    } catch (error) {
      const code = error instanceof ImportProblem ? error.code : 'failed';
      setText('data-status', message(root, `import-${code}`, { where: (error instanceof ImportProblem && error.where) || '' }));
    } finally {
      /** @type {HTMLInputElement} */ (event.target).value = '';
    }
  });
}

export async function initDiary() {
  const root = /** @type {HTMLElement & { rows?: ReturnType<typeof nightly> }} */ ($('diary'));
  if (!root) return;
  /** @type {() => Promise<void>} */
  let redraw = async () => {};
  const form = new EpisodeForm(root, $('episode-form'), {
    async onSubmit(fields, editing) {
      if (editing) await updateEpisode(editing, fields);
      else await addEpisode({ ...fields, source: 'manual' });
      setText('episodes-status', message(root, 'saved'));
    },
    onClose: () => { redraw().then(() => $('add-episode').focus()); },
  });
  const list = new EpisodeList(root, $('episode-list'), {
    onEdit: (episode) => form.open(episode),
    async onDelete(episode) {
      await deleteEpisode(episode.id);
      setText('episodes-status', message(root, 'deleted'));
      await redraw();
      $('add-episode').focus();
    },
  });
  const medicines = new MedicineSection(root, () => redraw());
  redraw = () => refresh(root, list, medicines);
  $('add-episode').addEventListener('click', () => form.open());
  wireTransfer(root, redraw);
  warnIfNotKept();
  await closeIfStale().catch(() => null); // a Cramp now left open long ago belongs in the list
  await redraw();
  keepChartFitted($('chart'), () => root.rows);
  // "Log a cramp" on the home screen opens the form at once.
  const openLog = () => { if (location.hash === '#log') form.open(); };
  window.addEventListener('hashchange', openLog);
  openLog();
}

initDiary();
