// The report as one self-contained HTML file a doctor can open anywhere (its
// styles are inside the file; the app's own pages keep their strict CSP), and
// the Share button that sends it where the phone supports sharing files.

import { $ } from './dom.js';
import { message, setText } from './text.js';
import { dateKey } from './nights.js';

// Black on white, like the printed report.
const FILE_STYLE = `
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #000; background: #fff;
  max-width: 48rem; margin: 1.5rem auto; padding: 0 1rem; line-height: 1.4; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 1.25rem; }
table { border-collapse: collapse; width: 100%; margin-bottom: 0.75rem; }
th, td { text-align: left; vertical-align: top; border-bottom: 1px solid #bbb; padding: 0.25rem 0.4rem; }
.answer-line { display: block; border-bottom: 1px solid #999; height: 1.6rem; }
.notes-lines { display: block; height: 8rem; border: 1px solid #bbb; }
.advice, .disclaimer, .made { font-size: 0.9rem; }
`;

/** Text made safe to put in HTML, by the browser's own serialiser. */
function escape(text) {
  const holder = document.createElement('p');
  holder.textContent = text;
  return holder.innerHTML.replace(/"/g, '&quot;');
}

/** The filled-in report as a File: a copy of the page's report without its controls or script data. */
export function reportFile(root, now = new Date()) {
  const copy = /** @type {HTMLElement} */ (root.cloneNode(true));
  copy.querySelectorAll('.report-controls, #share-status').forEach((el) => el.remove());
  for (const el of [copy, ...copy.querySelectorAll('*')]) {
    for (const attribute of [...el.attributes]) {
      if (attribute.name.startsWith('data-') || attribute.name === 'tabindex') el.removeAttribute(attribute.name);
    }
  }
  const lang = document.documentElement.lang;
  const html = `<!doctype html>
<html lang="${escape(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(root.dataset.shareTitle || document.title)}</title>
<style>${FILE_STYLE}</style>
</head>
<body>
${copy.outerHTML}
</body>
</html>
`;
  return new File([html], `calmcalf-report-${dateKey(now)}.html`, { type: 'text/html' });
}

/** Show Share where the phone can share files; elsewhere Print is the way. */
export function wireSharing(root) {
  const probe = new File([''], 'calmcalf-report.html', { type: 'text/html' });
  if (!navigator.canShare || !navigator.canShare({ files: [probe] })) return;
  const button = $('share-report');
  button.hidden = false;
  button.addEventListener('click', async () => {
    setText('share-status', '');
    try {
      await navigator.share({ files: [reportFile(root)], title: root.dataset.shareTitle });
    } catch (error) {
      if (!(error instanceof DOMException && error.name === 'AbortError')) setText('share-status', message(root, 'share-failed'));
    }
  });
}
