// Night arithmetic: a night runs from noon to noon in local time and is named
// by its evening's date, so a cramp at 00:30 belongs to the evening before.

const pad = (n) => String(n).padStart(2, '0');

/** "YYYY-MM-DD" of a local calendar date. */
export function dateKey(date) {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** "YYYY-MM-DDTHH:MM" in local time, for a datetime-local input. */
export function localMinute(date) {
  return `${dateKey(date)}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** The night a moment belongs to, named by its evening's date. */
export function nightOf(moment = new Date()) {
  const d = new Date(moment);
  if (d.getHours() < 12) return dateKey(new Date(d.getFullYear(), d.getMonth(), d.getDate() - 1));
  return dateKey(d);
}

/** The night n nights before `night` (negative: after). */
export function shiftNight(night, n) {
  const [y, m, d] = night.split('-').map(Number);
  return dateKey(new Date(y, m - 1, d - n));
}

/** The local Date at the start (midnight) of a night's evening. */
export function nightDate(night) {
  const [y, m, d] = night.split('-').map(Number);
  return new Date(y, m - 1, d);
}
