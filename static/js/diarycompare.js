// The diary's "Habits and possible triggers": cramps per night with and without
// each one, shown only where there are enough nights on both sides.

import { $, element } from './dom.js';
import { message, setText } from './text.js';
import { compareFactors } from './diarydata.js';
import { rateText } from './diarychart.js';

/** Space-separated keys in a data attribute of the page (habits, triggers). */
const keys = (root, name) => (root.dataset[name] || '').split(' ').filter(Boolean);

/** Fill the list of comparisons and say which are still waiting for nights. */
export function drawFactors(root, rows) {
  const min = Number(root.dataset.minNights);
  const figures = compareFactors(rows, { habits: keys(root, 'habits'), triggers: keys(root, 'triggers') }, new Date(), min);
  const name = (f) => message(root, `${f.kind}-${f.key}`);
  const shown = figures.filter((f) => f.enough);
  $('factors').replaceChildren(...shown.flatMap((f) => [
    element('dt', { 'data-factor': f.key }, name(f)),
    element('dd', { 'data-factor': f.key }, [
      message(root, 'factor-with', { figure: rateText(root, f.with) }),
      message(root, 'factor-without', { figure: rateText(root, f.without) }),
    ].join(' · ')),
  ]));
  const waiting = figures.filter((f) => !f.enough).map(name);
  setText('factors-waiting', waiting.length ? message(root, 'factors-waiting', { list: waiting.join(', ') }) : '');
}
