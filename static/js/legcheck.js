// After "It's gone", before any warmth tip: "Is one leg swollen, warm, red or darker than usual?"
// "Yes" opens the urgent advice (a possible clot: do not rub it, no warmth); "No" shows the
// warmth tip, which waits for that answer. It never blocks closing the screen.

export class LegCheck {
  /** @param {HTMLElement} root the check's section */
  constructor(root) {
    this.yes = /** @type {HTMLButtonElement} */ (root.querySelector('#leg-check-yes'));
    this.no = /** @type {HTMLButtonElement} */ (root.querySelector('#leg-check-no'));
    this.advice = document.getElementById(this.yes.getAttribute('aria-controls'));
    this.warmth = document.getElementById(this.no.getAttribute('aria-controls'));
    this.yes.addEventListener('click', () => this.answer(this.yes.getAttribute('aria-expanded') === 'true' ? null : 'yes'));
    this.no.addEventListener('click', () => this.answer(this.no.getAttribute('aria-pressed') === 'true' ? null : 'no'));
  }

  /** @param {'yes' | 'no' | null} answer null: not answered (or taken back) */
  answer(answer) {
    this.yes.setAttribute('aria-expanded', String(answer === 'yes'));
    this.no.setAttribute('aria-pressed', String(answer === 'no'));
    this.advice.hidden = answer !== 'yes';
    this.warmth.hidden = answer !== 'no';
  }

  /** Unanswered again for the next cramp. */
  reset() {
    this.answer(null);
  }
}
