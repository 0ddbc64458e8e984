// The running Cramp now session, kept on the device so that a reload (a phone
// that discarded the tab while the screen was locked) comes back to the same,
// still-correct timer; and what becomes of a session left without "It's gone".

import { addEpisode } from './store.js';

const KEY = 'calmcalf.relief-session';
// Away from the timer longer than this, it is no longer one continuous cramp:
// the next Cramp now starts afresh (and only offers to continue within it).
export const CONTINUOUS_GAP_MS = 5 * 60 * 1000;
// On screen for less than this: a slip of the finger, not a cramp worth keeping.
const SLIP_MS = 10 * 1000;

/** The stored session {timer, leg, seenAt, held}, or null (held: paused while the page was hidden). */
export function readSession() {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) || 'null');
    if (saved && saved.timer && Number.isFinite(saved.timer.startedAt)) return saved;
  } catch {
    // A damaged entry is simply ignored.
  }
  return null;
}

/** Keep the running timer, its leg, when the person last had it on screen, and whether it is held. */
export function saveSession(timer, leg, seenAt = Date.now(), held = false) {
  try {
    localStorage.setItem(KEY, JSON.stringify({ timer, leg, seenAt, ...(held && { held }) }));
  } catch {
    // Storage full or blocked: the timer still runs.
  }
}

export function forgetSession() {
  try {
    localStorage.removeItem(KEY);
  } catch {
    // Nothing to clear.
  }
}

const seenAt = (session) => session.seenAt ?? session.timer.startedAt;

/** Whether the person had it on screen so recently that it can still be the same cramp. */
export function isRecent(session, now = Date.now()) {
  return now - seenAt(session) <= CONTINUOUS_GAP_MS;
}

/** Minutes since the session's cramp began (at least 1), for "Continue the cramp from 3 minutes ago?". */
export function minutesAgo(session, now = Date.now()) {
  return Math.max(1, Math.round((now - session.timer.startedAt) / 60000));
}

/**
 * Close a session that was left without "It's gone". The cramp is kept in the
 * diary, but with its length unknown: the time the phone was left open is not
 * how long the cramp lasted. Resolves with the saved episode (null for a slip).
 * The caller forgets the stored entry first (before a new session is stored).
 */
export async function closeUnended(session) {
  if (seenAt(session) - session.timer.startedAt < SLIP_MS) return null;
  return addEpisode({
    start: new Date(session.timer.startedAt).toISOString(),
    leg: session.leg ?? null,
    source: 'cramp-now',
  }).catch(() => null);
}

/** Close a stored session if it is too old to continue (e.g. when home or the diary opens). */
export function closeIfStale(now = Date.now()) {
  const session = readSession();
  if (!session || isRecent(session, now)) return Promise.resolve(null);
  forgetSession();
  return closeUnended(session);
}
