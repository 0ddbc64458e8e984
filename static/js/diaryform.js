// "Add a cramp" and "Edit this cramp": one short form (when, leg, severity,
// minutes, possible triggers, note) that checks its fields and says what is wrong at the field.
// The form shows whole minutes; editing keeps the stored start and length to the second
// unless the person changes those fields (adding a trigger must not turn 96 s into 2 min).

import { $ } from './dom.js';
import { duration, message, setText } from './text.js';
import { localMinute } from './nights.js';
import { TriggerChips } from './triggers.js';

/** Last night at 03:00 (or today's, once it has passed): when most people will be adding a cramp. */
function lastNight() {
  const d = new Date();
  d.setHours(3, 0, 0, 0);
  if (d > new Date()) d.setDate(d.getDate() - 1);
  return d;
}

export class EpisodeForm {
  /** onSubmit(fields, editingId) saves; onClose() after saving or cancelling. */
  constructor(root, form, { onSubmit, onClose }) {
    this.root = root;
    this.form = form;
    this.editing = null;
    this.hooks = { onSubmit, onClose };
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.submit();
    });
    $('cancel-episode').addEventListener('click', () => this.close());
    this.triggers = new TriggerChips($('ep-triggers'));
    this.kept = null; // while editing: the stored start and length, and the fields as they were shown
  }

  open(episode = null) {
    const { elements } = this.form;
    this.editing = episode ? episode.id : null;
    setText('episode-form-title', message(this.root, episode ? 'edit-title' : 'add-title'));
    elements.when.value = localMinute(episode ? new Date(episode.start) : lastNight());
    elements.leg.value = episode?.leg ?? '';
    elements.severity.value = episode?.severity ?? '';
    elements.minutes.value = episode?.durationSeconds != null ? Math.round(episode.durationSeconds / 60) : '';
    elements.note.value = episode?.note ?? '';
    this.kept = episode ? {
      start: episode.start, end: episode.end ?? null, durationSeconds: episode.durationSeconds ?? null,
      when: elements.when.value, minutes: elements.minutes.value,
    } : null;
    const exact = episode?.durationSeconds != null && episode.durationSeconds % 60 !== 0;
    setText('ep-minutes-kept', exact ? message(this.root, 'length-kept', { duration: duration(this.root, episode.durationSeconds) }) : '');
    this.triggers.set(episode?.triggers ?? []);
    this.showError('ep-when', '');
    this.showError('ep-minutes', '');
    this.form.hidden = false;
    $('add-episode').hidden = true;
    elements.when.focus();
  }

  close() {
    this.kept = null;
    this.form.hidden = true;
    $('add-episode').hidden = false;
    this.editing = null;
    this.hooks.onClose();
  }

  showError(id, text) {
    const input = $(id);
    setText(`${id}-error`, text);
    if (text) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }

  /** The start time, or null after saying what is wrong with it. */
  readWhen() {
    const value = this.form.elements.when.value;
    const when = value ? new Date(value) : null;
    let error = '';
    if (!when || Number.isNaN(when.getTime())) error = message(this.root, 'when-missing');
    else if (when.getTime() > Date.now() + 60_000) error = message(this.root, 'when-future');
    this.showError('ep-when', error);
    return error ? null : when;
  }

  /** The minutes (null when left empty), or undefined after saying what is wrong. */
  readMinutes() {
    const text = this.form.elements.minutes.value.trim();
    const minutes = text === '' ? null : Number(text);
    const bad = minutes !== null && !(Number.isInteger(minutes) && minutes >= 0 && minutes <= 600);
    this.showError('ep-minutes', bad ? message(this.root, 'duration-bad') : '');
    return bad ? undefined : minutes;
  }

  /** Start, end and length: as stored for the fields left as they were, else from the form. */
  timing(when, minutes) {
    const { kept } = this;
    const sameWhen = kept && this.form.elements.when.value === kept.when;
    const sameMinutes = kept && this.form.elements.minutes.value.trim() === kept.minutes;
    if (sameWhen && sameMinutes) return { start: kept.start, end: kept.end, durationSeconds: kept.durationSeconds };
    const start = sameWhen ? new Date(kept.start) : when;
    const durationSeconds = sameMinutes ? kept.durationSeconds : minutes === null ? null : minutes * 60;
    return {
      start: start.toISOString(),
      end: durationSeconds === null ? null : new Date(start.getTime() + durationSeconds * 1000).toISOString(),
      durationSeconds,
    };
  }

  /** The form's values as episode fields, or null after showing what is wrong. */
  read() {
    const when = this.readWhen();
    const minutes = this.readMinutes();
    if (!when || minutes === undefined) {
      this.form.querySelector('[aria-invalid="true"]').focus();
      return null;
    }
    const { elements } = this.form;
    return {
      ...this.timing(when, minutes),
      leg: elements.leg.value || null,
      severity: elements.severity.value === '' ? null : Number(elements.severity.value),
      note: elements.note.value.trim(),
      triggers: this.triggers.value ?? [],
    };
  }

  async submit() {
    const fields = this.read();
    if (!fields) return;
    await this.hooks.onSubmit(fields, this.editing);
    this.close();
  }
}
