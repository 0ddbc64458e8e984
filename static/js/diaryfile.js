// The diary's JSON file: what an export is, and every check an imported file
// must pass before anything is written.

import { SCHEMA_VERSION } from './db.js';

export const EXPORT_KIND = 'calmcalf-diary';

/** The possible triggers' stored keys (app/web/content/triggers.py; tests check they agree). */
export const TRIGGER_KEYS = ['exertion', 'sitting', 'cold', 'medicine', 'alcohol', 'fluid'];
export const MEDICINE_CHANGES = ['started', 'changed', 'stopped'];

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
const isNight = (v) => typeof v === 'string' && NIGHT.test(v) && !Number.isNaN(Date.parse(`${v}T12:00:00Z`));
const isTriggerList = (v) => Array.isArray(v) && v.every((k) => TRIGGER_KEYS.includes(k)) && new Set(v).size === v.length;

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
  // An export from schema 2 has no triggers: an empty list, as the upgrade gives.
  if (e.triggers != null && !isTriggerList(e.triggers)) throw new ImportProblem('bad-field', where('triggers'));
  return {
    id: e.id, start: e.start, end: e.end ?? null, durationSeconds: e.durationSeconds ?? null,
    leg: e.leg ?? null, severity: e.severity ?? null, note: e.note ?? '', source: e.source, triggers: [...(e.triggers ?? [])],
  };
}

/** A clean copy of one imported night of checklist ticks. */
function checkNight(c, i) {
  const where = (field) => `checklist[${i}].${field}`;
  if (!isRecord(c)) throw new ImportProblem('bad-record', `checklist[${i}]`);
  if (!isNight(c.night)) throw new ImportProblem('bad-field', where('night'));
  const ticks = c.ticks;
  if (!isRecord(ticks) || Object.entries(ticks).some(([k, v]) => k.length > 50 || v !== true)) {
    throw new ImportProblem('bad-field', where('ticks'));
  }
  if (c.updatedAt != null && !isIso(c.updatedAt)) throw new ImportProblem('bad-field', where('updatedAt'));
  const record = { night: c.night, ticks: { ...ticks } };
  if (c.updatedAt != null) record.updatedAt = c.updatedAt;
  return record;
}

/** A clean copy of one imported medicine change. */
function checkMedicine(m, i) {
  const where = (field) => `medicines[${i}].${field}`;
  if (!isRecord(m)) throw new ImportProblem('bad-record', `medicines[${i}]`);
  if (typeof m.id !== 'string' || !m.id || m.id.length > 100) throw new ImportProblem('bad-field', where('id'));
  if (typeof m.name !== 'string' || !m.name.trim() || m.name.length > 100) throw new ImportProblem('bad-field', where('name'));
  if (!MEDICINE_CHANGES.includes(m.change)) throw new ImportProblem('bad-field', where('change'));
  if (!isNight(m.date)) throw new ImportProblem('bad-field', where('date'));
  return { id: m.id, name: m.name.trim(), change: m.change, date: m.date };
}

/** A clean copy of one imported evening's note of possible triggers. */
function checkNightNote(n, i) {
  const where = (field) => `nightNotes[${i}].${field}`;
  if (!isRecord(n)) throw new ImportProblem('bad-record', `nightNotes[${i}]`);
  if (!isNight(n.night)) throw new ImportProblem('bad-field', where('night'));
  if (!isTriggerList(n.triggers)) throw new ImportProblem('bad-field', where('triggers'));
  if (n.updatedAt != null && !isIso(n.updatedAt)) throw new ImportProblem('bad-field', where('updatedAt'));
  const record = { night: n.night, triggers: [...n.triggers] };
  if (n.updatedAt != null) record.updatedAt = n.updatedAt;
  return record;
}

/** A list field of the export: absent in older exports (an empty list), else an array. */
function listOf(data, field) {
  if (data[field] == null) return [];
  if (!Array.isArray(data[field])) throw new ImportProblem('bad-field', field);
  return data[field];
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
  return {
    episodes: data.episodes.map(checkEpisode),
    checklist: listOf(data, 'checklist').map(checkNight),
    medicines: listOf(data, 'medicines').map(checkMedicine),
    nightNotes: listOf(data, 'nightNotes').map(checkNightNote),
  };
}
