// Tonight's checklist: real checkboxes, kept per night (noon to noon) on the device,
// and the evening's note of possible triggers ("None of these" is an answer too).

import { message, plural, setText } from './text.js';
import { getChecklist, listChecklist, setTick } from './store.js';
import { getNightNote, setNightNote } from './notes.js';
import { nightDate, nightOf, shiftNight } from './nights.js';
import { $ } from './dom.js';
import { TriggerChips } from './triggers.js';

/** Nights in a row with the routine done, counting back from tonight (or last night, if tonight is still open). */
export function routineStreak(records, tonight) {
  const done = new Set(records.filter((r) => r.ticks.stretch).map((r) => r.night));
  let night = done.has(tonight) ? tonight : shiftNight(tonight, 1);
  let streak = 0;
  while (done.has(night)) {
    streak += 1;
    night = shiftNight(night, 1);
  }
  return streak;
}

function nightLabel(night) {
  return new Intl.DateTimeFormat(document.documentElement.lang, { weekday: 'long', day: 'numeric', month: 'long' })
    .format(nightDate(night));
}

export async function initChecklist() {
  const root = $('checklist');
  if (!root) return;
  const form = $('checklist-form', HTMLFormElement);
  const boxes = /** @type {HTMLInputElement[]} */ ([...form.querySelectorAll('input[type="checkbox"]')]);

  async function showStreak(tonight) {
    const streak = routineStreak(await listChecklist(), tonight);
    setText('streak', streak ? plural(root, 'streak', streak) : message(root, 'streak-none'));
  }

  /** Show the ticks of the night we are in now (it changes at noon). */
  async function load() {
    const tonight = nightOf(new Date());
    root.dataset.night = tonight;
    setText('night-label', message(root, 'night', { date: nightLabel(tonight) }));
    const { ticks } = await getChecklist(tonight);
    boxes.forEach((box) => { box.checked = Boolean(ticks[box.name]); });
    triggers.set((await getNightNote(tonight))?.triggers ?? null);
    await showStreak(tonight);
    root.dataset.ready = 'true';
  }

  form.addEventListener('submit', (event) => event.preventDefault());
  let saving = 0;
  const track = (delta) => {
    saving += delta;
    root.dataset.saving = String(saving); // 0: every tick is on disk
  };
  const triggers = new TriggerChips($('night-triggers'), async (keys) => {
    const night = nightOf(new Date());
    track(1);
    try {
      await setNightNote(night, keys);
    } finally {
      track(-1);
    }
    setText('night-triggers-saved', message(root, 'saved'));
    if (night !== root.dataset.night) await load();
  });
  boxes.forEach((box) => {
    box.addEventListener('change', async () => {
      // The night is fixed when the tick happens, so a tick at 00:30 counts for the evening before.
      const night = nightOf(new Date());
      track(1);
      try {
        await setTick(night, box.name, box.checked);
      } finally {
        track(-1);
      }
      if (night !== root.dataset.night) await load();
      else await showStreak(night);
    });
  });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && nightOf(new Date()) !== root.dataset.night) load();
  });
  await load();
}

initChecklist();
