// The diary's medicine changes: a short form (name as typed, what happened, date)
// and the list, each with a two-tap Delete. The app never names or suggests a medicine.

import { $, element } from './dom.js';
import { message, setText } from './text.js';
import { dateKey, nightDate } from './nights.js';
import { addMedicine, deleteMedicine } from './notes.js';

const lang = () => document.documentElement.lang;

/** "12 Nov 2026" for a medicine change's date. */
export function medicineDate(date) {
  return new Intl.DateTimeFormat(lang(), { day: 'numeric', month: 'short', year: 'numeric' }).format(nightDate(date));
}

/** "Started: Atorvastatin", in the page's words. */
export function medicineText(holder, medicine) {
  return `${message(holder, `medicine-${medicine.change}`)}: ${medicine.name}`;
}

export class MedicineSection {
  /** onChange() after a change is added or deleted. */
  constructor(root, onChange) {
    this.root = root;
    this.form = /** @type {HTMLFormElement} */ ($('medicine-form'));
    this.list = $('medicine-list');
    this.onChange = onChange;
    this.date = /** @type {HTMLInputElement} */ ($('med-date'));
    this.name = /** @type {HTMLInputElement} */ ($('med-name'));
    this.date.value = dateKey(new Date());
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.submit();
    });
  }

  showError(id, text) {
    setText(`${id}-error`, text);
    if (text) $(id).setAttribute('aria-invalid', 'true');
    else $(id).removeAttribute('aria-invalid');
  }

  /** The form's values, or null after saying at the field what is wrong. */
  read() {
    const name = this.name.value.trim();
    const date = this.date.value;
    this.showError('med-name', name ? '' : message(this.root, 'medicine-name-missing'));
    let dateError = '';
    if (!/^\d{4}-\d\d-\d\d$/.test(date)) dateError = message(this.root, 'medicine-date-missing');
    else if (date > dateKey(new Date())) dateError = message(this.root, 'medicine-date-future');
    this.showError('med-date', dateError);
    if (!name || dateError) {
      /** @type {HTMLElement} */ (this.form.querySelector('[aria-invalid="true"]')).focus();
      return null;
    }
    const change = /** @type {HTMLSelectElement} */ ($('med-change')).value;
    return { name: name.slice(0, 100), change, date };
  }

  async submit() {
    const fields = this.read();
    if (!fields) return;
    await addMedicine(fields);
    this.name.value = '';
    setText('medicines-status', message(this.root, 'medicine-saved'));
    await this.onChange();
  }

  render(medicines) {
    this.list.replaceChildren(...[...medicines].reverse().map((m) => this.item(m)));
  }

  item(medicine) {
    const label = `${medicineDate(medicine.date)} · ${medicineText(this.root, medicine)}`;
    const li = element('li', { class: 'episode medicine', 'data-id': medicine.id });
    li.append(element('p', {}, label));
    const remove = element('button', { type: 'button', class: 'secondary', 'aria-label': `${message(this.root, 'delete')}: ${label}` },
      message(this.root, 'delete'));
    remove.addEventListener('click', async () => {
      if (remove.dataset.confirming !== 'true') {
        remove.dataset.confirming = 'true';
        remove.textContent = message(this.root, 'confirm-delete');
        remove.setAttribute('aria-label', `${message(this.root, 'confirm-delete')}: ${label}`);
        return;
      }
      await deleteMedicine(medicine.id);
      setText('medicines-status', message(this.root, 'deleted'));
      await this.onChange();
      this.name.focus();
    });
    const actions = element('div', { class: 'episode-actions' });
    actions.append(remove);
    li.append(actions);
    return li;
  }
}
