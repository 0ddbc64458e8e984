// Which of the page's three screens shows: home, the timer, or "after It's gone".
//
// The timer is laid out and painted ahead, unseen, in idle time after home has
// painted, so that a tap on Cramp now only has to reveal it (see app.css).

export class ReliefScreens {
  constructor(home, timer, done) {
    this.home = home;
    this.timer = timer;
    this.done = done;
  }

  /** Show 'home', 'timer' or 'done'. */
  show(which) {
    if (which === 'timer' && this.timer.classList.contains('ready-offstage')) {
      this.reveal();
      return;
    }
    this.settle();
    this.home.hidden = which !== 'home';
    this.timer.hidden = which !== 'timer';
    this.done.hidden = which !== 'done';
  }

  /** The fast path for a tap: make the painted layer visible, hide home without layout. */
  reveal() {
    this.timer.classList.replace('ready-offstage', 'revealing');
    this.timer.inert = false;
    this.home.classList.add('leaving');
    this.done.hidden = true;
  }

  /** After the first frame: put the timer back in the page flow and drop home. */
  settle() {
    if (!this.timer.classList.contains('revealing')) return;
    this.timer.classList.remove('revealing');
    this.home.classList.remove('leaving');
    this.home.hidden = true;
  }

  /** Lay the timer out unseen behind home; `prepare` draws its first step. */
  offstage(prepare) {
    if (!this.timer.hidden) return;
    prepare();
    this.timer.inert = true;
    this.timer.classList.add('ready-offstage');
    this.timer.hidden = false;
  }

  /** Take the unseen timer away again (before home is shown for real). */
  clearOffstage() {
    this.timer.classList.remove('ready-offstage', 'revealing');
    this.timer.inert = false;
  }
}
