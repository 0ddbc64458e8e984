// Which of the page's three screens shows: home, the timer, or "after It's gone".
//
// The timer is laid out and painted ahead, unseen, in idle time after home has
// painted, so that a tap on Cramp now only has to reveal it (see app.css): the
// first frame changes only that layer's opacity. Whatever would restyle the
// timer's whole subtree (taking `inert` off, letting taps in) or lay the page
// out again (dropping home) waits for settle(), once that frame is on screen.

export class ReliefScreens {
  constructor(home, timer, done) {
    this.home = home;
    this.timer = timer;
    this.done = done;
    // For the frame or two that home is covered but still in place, a second tap must not land on it.
    home.addEventListener('click', (event) => {
      if (!timer.classList.contains('revealing')) return;
      event.preventDefault();
      event.stopImmediatePropagation();
    }, true);
  }

  /** Show 'home', 'timer' or 'done'; the timer always from the top, whatever home was scrolled to. */
  show(which) {
    if (which === 'timer') window.scrollTo(0, 0);
    if (which === 'timer' && this.timer.classList.contains('ready-offstage')) {
      this.reveal();
      return;
    }
    this.settle();
    this.home.hidden = which !== 'home';
    this.timer.hidden = which !== 'timer';
    this.done.hidden = which !== 'done';
  }

  /** The fast path for a tap: the painted layer, over home, becomes opaque; nothing else restyles. */
  reveal() {
    this.timer.classList.replace('ready-offstage', 'revealing');
  }

  /** After the first frame: the timer takes taps, focus and screen readers, joins the page flow, and home goes. */
  settle() {
    if (!this.timer.classList.contains('revealing')) return;
    this.timer.inert = false;
    this.timer.classList.remove('revealing');
    this.home.hidden = true;
    this.done.hidden = true;
  }

  /** Lay the timer out unseen over home; `prepare` draws its first step. */
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
