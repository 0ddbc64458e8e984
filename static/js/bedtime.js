// The bedtime routine: the shared step player, once through, then a tick on tonight's checklist.

import { StepPlayer } from './player.js';
import { primeAudio, saveSettings } from './cues.js';
import { setTick } from './store.js';
import { nightOf } from './nights.js';
import { $ } from './dom.js';
import { tellNightDone } from './nightdone.js';

export function initBedtime() {
  const root = $('routine');
  if (!root) return null;
  const intro = $('routine-intro');
  const playerSection = $('routine-player');
  const done = $('routine-done');
  const illustrations = /** @type {HTMLElement[]} */ ([...root.querySelectorAll('[data-illus]:not(.step)')]);

  const player = new StepPlayer(root, { loop: false, onStep: illustrate, onFinish: finished });
  const { settings } = player;
  const seated = $('seated', HTMLInputElement);
  seated.checked = Boolean(settings.seated);

  /** Standing steps, or the seated version for people who cannot stand safely. */
  function stepsFor(isSeated) {
    const where = isSeated ? 'seated' : 'standing';
    return player.allSteps.filter((li) => li.dataset.where === where);
  }

  /** Show the drawing of the step's stretch, mirrored for the left leg. */
  function illustrate(li) {
    illustrations.forEach((el) => { el.hidden = el.dataset.illus !== li.dataset.illus; });
    root.classList.toggle('leg-left', li.dataset.leg === 'left');
    root.classList.toggle('resting', li.dataset.kind === 'rest');
  }

  function show(which) {
    for (const section of [intro, playerSection, done]) section.hidden = section !== which;
  }

  function start() {
    if (settings.sound) primeAudio(); // inside the tap, or WebKit keeps the tone silent
    player.setSteps(stepsFor(seated.checked));
    show(playerSection);
    player.start(null, () => $('routine-title').focus({ preventScroll: true }));
  }

  /** The whole routine is done: tonight's checklist gets its tick, and tonight's reminder is skipped. */
  async function finished() {
    show(done);
    $('routine-done-title').focus();
    await setTick(nightOf(new Date()), 'stretch', true);
    // With reminders on, the server is told that tonight is done (only that).
    root.dataset.nightDone = await tellNightDone().catch(() => 'failed');
  }

  function stopEarly() {
    player.stop();
    show(intro);
    $('routine-start').focus();
  }

  seated.addEventListener('change', () => {
    settings.seated = seated.checked;
    saveSettings(settings);
    player.setSteps(stepsFor(seated.checked));
    player.preview();
  });
  $('routine-start').addEventListener('click', start);
  $('routine-stop').addEventListener('click', stopEarly);
  player.setSteps(stepsFor(seated.checked));
  player.preview();
  return { start };
}

initBedtime();
