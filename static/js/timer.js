// A sequence of timed steps, computed from absolute timestamps.
//
// Nothing here counts ticks: the position is always (now - anchor), so a locked
// screen, a throttled tab or a late timer cannot make it wrong. Pausing moves
// the anchor; "next" and "back" set the position directly. The same engine runs
// the relief steps (looping) and the bedtime routine (once through).

export class SequenceTimer {
  /** durationsMs: one length per step; loop: start again after the last step. */
  constructor(durationsMs, { loop = false } = {}) {
    this.setDurations(durationsMs);
    this.loop = loop;
    this.startedAt = null;
    this.anchor = null;
    this.pausedAt = null;
  }

  /** Replace the step lengths (their running totals are kept for lookups). */
  setDurations(durationsMs) {
    if (!durationsMs.length || durationsMs.some((d) => !(d > 0))) {
      throw new RangeError('every step needs a positive length');
    }
    this.durations = [...durationsMs];
    this.starts = [];
    let total = 0;
    for (const d of this.durations) {
      this.starts.push(total);
      total += d;
    }
    this.cycleMs = total;
  }

  /** Start now (or at t). */
  start(t = Date.now()) {
    this.startedAt = t;
    this.anchor = t;
    this.pausedAt = null;
  }

  get running() {
    return this.startedAt !== null;
  }

  get paused() {
    return this.pausedAt !== null;
  }

  /** Time spent inside the sequence, not counting pauses. */
  activeMs(t) {
    return Math.max(0, (this.pausedAt ?? t) - this.anchor);
  }

  /** Where the sequence is at time t. */
  state(t = Date.now()) {
    const active = this.activeMs(t);
    const round = Math.floor(active / this.cycleMs);
    const finished = !this.loop && round >= 1;
    const within = finished ? this.cycleMs : active - round * this.cycleMs;
    let index = this.starts.length - 1;
    while (index > 0 && this.starts[index] > within) index -= 1;
    const stepElapsedMs = Math.min(within - this.starts[index], this.durations[index]);
    return {
      stepIndex: index,
      round: finished ? 0 : round,
      stepMs: this.durations[index],
      stepElapsedMs,
      stepRemainingMs: this.durations[index] - stepElapsedMs,
      totalMs: this.startedAt === null ? 0 : t - this.startedAt,
      activeMs: active,
      paused: this.paused,
      finished,
    };
  }

  /** Put the sequence at a position (ms of active time). */
  seek(positionMs, t = Date.now()) {
    this.anchor = (this.pausedAt ?? t) - Math.max(0, positionMs);
  }

  pause(t = Date.now()) {
    if (this.pausedAt === null) this.pausedAt = t;
  }

  resume(t = Date.now()) {
    if (this.pausedAt === null) return;
    this.anchor += t - this.pausedAt;
    this.pausedAt = null;
  }

  /** Jump to the start of step `index` in round `round`. */
  goTo(index, round, t = Date.now()) {
    this.seek(round * this.cycleMs + this.starts[index], t);
  }

  /** Skip to the start of the next step (the next round after the last one). */
  next(t = Date.now()) {
    const s = this.state(t);
    if (s.finished) return;
    if (s.stepIndex + 1 < this.durations.length) this.goTo(s.stepIndex + 1, s.round, t);
    else this.seek((s.round + 1) * this.cycleMs, t);
  }

  /** Restart this step, or go to the previous one if this one has only just begun. */
  back(t = Date.now(), graceMs = 2000) {
    const s = this.state(t);
    if (s.stepElapsedMs > graceMs || (s.stepIndex === 0 && s.round === 0)) {
      this.goTo(s.stepIndex, s.round, t);
    } else if (s.stepIndex > 0) {
      this.goTo(s.stepIndex - 1, s.round, t);
    } else {
      this.goTo(this.durations.length - 1, s.round - 1, t);
    }
  }

  /** A plain object that `restore` turns back into a running timer. */
  snapshot() {
    return {
      durations: this.durations,
      loop: this.loop,
      startedAt: this.startedAt,
      anchor: this.anchor,
      pausedAt: this.pausedAt,
    };
  }

  static restore(snap) {
    const timer = new SequenceTimer(snap.durations, { loop: snap.loop });
    timer.startedAt = snap.startedAt;
    timer.anchor = snap.anchor;
    timer.pausedAt = snap.pausedAt;
    return timer;
  }
}

/** "m:ss" for a number of milliseconds, rounding up so 0:00 means done. */
export function formatClock(ms, roundUp = true) {
  const totalSeconds = Math.max(0, roundUp ? Math.ceil(ms / 1000) : Math.floor(ms / 1000));
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = totalSeconds % 60;
  return `${minutes}:${String(seconds).padStart(2, '0')}`;
}
