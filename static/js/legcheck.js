// After "It's gone": "Is one leg swollen, warm, red or darker than usual?" One tap on
// "Yes" opens the urgent advice (a possible clot: do not rub it); it never blocks closing the screen.

export class LegCheck {
  /** @param {HTMLElement} root the check's section */
  constructor(root) {
    this.button = /** @type {HTMLButtonElement} */ (root.querySelector('[aria-controls]'));
    this.advice = document.getElementById(this.button.getAttribute('aria-controls'));
    this.button.addEventListener('click', () => this.show(this.button.getAttribute('aria-expanded') !== 'true'));
  }

  /** @param {boolean} open */
  show(open) {
    this.button.setAttribute('aria-expanded', String(open));
    this.advice.hidden = !open;
  }

  /** Closed again for the next cramp. */
  reset() {
    this.show(false);
  }
}
