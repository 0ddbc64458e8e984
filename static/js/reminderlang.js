// Which language the server sends this phone's evening reminders in, as last saved
// from this device: the language choice (language.js) compares it with the page's,
// and the Reminders page (reminders.js) writes it.

const KEY = 'calmcalf.reminder-lang';

/** The language reminders were last saved in, or null (none on, or no storage). */
export function reminderLanguage() {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

/** Note which language the server now sends this phone's reminders in (false: none are on). */
export function noteReminderLanguage(on) {
  try {
    if (on) localStorage.setItem(KEY, document.documentElement.lang);
    else localStorage.removeItem(KEY);
  } catch {
    // Without storage the language is still right until the person changes it.
  }
}
