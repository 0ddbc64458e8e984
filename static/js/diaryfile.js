// The diary's JSON file: what an export is, and every check an imported file
// must pass before anything is written.

import { SCHEMA_VERSION } from './db.js';

export const EXPORT_KIND = 'calmcalf-diary';

/** Why a file cannot be imported: `code` picks the message, `where` names the field. */
export class ImportProblem extends Error {
  constructor(code, where = '') {
    super(`${code}${where ? ` (${where})` : ''}`);
    this.code = code;
    this.where = where;
  }
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/;
const NIGHT = /^\d{4}-\d\d-\d\d$/;
const isIso = (v) => typeof v === 'string' && ISO.test(v) && !Number.isNaN(Date.parse(v));
const isIntIn = (v, lo, hi) => Number.isInteger(v) && v >= lo && v <= hi;
const isRecord = (v) => Boolean(v) && typeof v === 'object' && !Array.isArray(v);

/** A clean copy of one imported episode, or an ImportProblem naming the bad field. */
function checkEpisode(e, i) {
  const where = (field) => `episodes[${i}].${field}`;
  if (!isRecord(e)) throw new ImportProblem('bad-record', `episodes[${i}]`);
  if (typeof e.id !== 'string' || !e.id || e.id.length > 100) throw new ImportProblem('bad-field', where('id'));
  if (!isIso(e.start)) throw new ImportProblem('bad-field', where('start'));
  if (e.end != null && (!isIso(e.end) || Date.parse(e.end) < Date.parse(e.start))) throw new ImportProblem('bad-field', where('end'));
  if (e.durationSeconds != null && !isIntIn(e.durationSeconds, 0, 86400)) throw new ImportProblem('bad-field', where('durationSeconds'));
  if (e.leg != null && e.leg !== 'left' && e.leg !== 'right') throw new ImportProblem('bad-field', where('leg'));
  if (e.severity != null && !isIntIn(e.severity, 0, 10)) throw new ImportProblem('bad-field', where('severity'));
  if (e.note != null && (typeof e.note !== 'string' || e.note.length > 2000)) throw new ImportProblem('bad-field', where('note'));
  if (e.source !== 'cramp-now' && e.source !== 'manual') throw new ImportProblem('bad-field', where('source'));
  return {
    id: e.id, start: e.start, end: e.end ?? null, durationSeconds: e.durationSeconds ?? null,
    leg: e.leg ?? null, severity: e.severity ?? null, note: e.note ?? '', source: e.source,
  };
}

/** A clean copy of one imported night of checklist ticks. */
function checkNight(c, i) {
  const where = (field) => `checklist[${i}].${field}`;
  if (!isRecord(c)) throw new ImportProblem('bad-record', `checklist[${i}]`);
  if (typeof c.night !== 'string' || !NIGHT.test(c.night)) throw new ImportProblem('bad-field', where('night'));
  const ticks = c.ticks;
  if (!isRecord(ticks) || Object.entries(ticks).some(([k, v]) => k.length > 50 || v !== true)) {
    throw new ImportProblem('bad-field', where('ticks'));
  }
  if (c.updatedAt != null && !isIso(c.updatedAt)) throw new ImportProblem('bad-field', where('updatedAt'));
  const record = { night: c.night, ticks: { ...ticks } };
  if (c.updatedAt != null) record.updatedAt = c.updatedAt;
  return record;
}

/** Parse an export's text; a file that is not JSON is an ImportProblem. */
export function parseExport(text) {
  try {
    return JSON.parse(text);
  } catch {
    throw new ImportProblem('not-json');
  }
}

/** Check a parsed export completely before anything is written. */
export function checkImport(data) {
  if (!isRecord(data) || data.kind !== EXPORT_KIND) throw new ImportProblem('not-calmcalf');
  if (!Number.isInteger(data.schema) || data.schema < 1) throw new ImportProblem('bad-field', 'schema');
  if (data.schema > SCHEMA_VERSION) throw new ImportProblem('newer');
  if (!Array.isArray(data.episodes)) throw new ImportProblem('bad-field', 'episodes');
  if (!Array.isArray(data.checklist ?? [])) throw new ImportProblem('bad-field', 'checklist');
  return {
    episodes: data.episodes.map(checkEpisode),
    checklist: (data.checklist ?? []).map(checkNight),
  };
}
