import type { Problem } from '../../http/problem';
import { html } from './html';
import { layout } from './layout';

/** A bad field's value as the table shows it: a string as it came, anything else as JSON. */
const shownValue = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

/** A problem document as a page, for a person using the pages: status, detail, each bad field. */
export function problemPage(p: Problem): string {
  // One line per row, as the error-shape test and a grep of a saved page read it.
  // prettier-ignore
  const rows = (p.errors ?? []).map(
    (e) => html`<tr><td>${e.field}</td><td><code>${shownValue(e.value)}</code></td><td>${e.reason}</td></tr>`,
  );
  const body = html`<section data-problem-status="${p.status}">
    <h1>${p.status} ${p.title}</h1>
    ${p.detail ? html`<p>${p.detail}</p>` : ''}
    ${
      rows.length
        ? html`<table>
            <thead>
              <tr>
                <th>field</th>
                <th>value</th>
                <th>reason</th>
              </tr>
            </thead>
            <tbody>
              ${rows}
            </tbody>
          </table>`
        : ''
    }
  </section>`;
  return layout(`${p.status} ${p.title} · snap-recon`, null, body);
}
