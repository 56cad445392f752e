import type { AuditRecord } from '@app/reconciliation';
import { accountHref, accountLabel } from './cells';
import type { Display } from './display';
import { href, html, SafeHtml } from './html';

/** `key: value, …` of a JSON object (nested objects as JSON), for a table cell. */
function figures(value: unknown): string {
  if (value === null || value === undefined) return '–';
  if (typeof value !== 'object') return String(value);
  return Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `${k}: ${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`)
    .join(', ');
}

function subject(r: AuditRecord): SafeHtml | string {
  if (r.subjectType === 'run')
    return html`<a href="${href([], { run: r.subjectId })}">run #${r.subjectId}</a>`;
  if (r.subjectType === 'discrepancy') return `discrepancy #${r.subjectId}`;
  if (r.subjectType === 'queue') return `queue ${r.subjectId}`;
  if (!r.provider || !r.accountNo) return r.subjectId;
  const account = { provider: r.provider, accountNo: r.accountNo, msId: r.msId };
  return html`<a href="${accountHref(account)}">${r.provider} ${accountLabel(account)}</a>`;
}

/**
 * The audit records of a page (who changed what, when, from what to what, with which note),
 * newest first, with the link to the whole matching trail as CSV.
 */
export function auditSection(
  records: AuditRecord[],
  total: number,
  view: Display,
  csvHref: string,
): SafeHtml {
  const rows = records.map(
    (r) =>
      html`<tr data-testid="audit-row" data-audit="${r.id}">
        <td class="when">${view.when(r.at)}</td>
        <td>${r.actorName} <span class="muted small">(${r.actorRole})</span></td>
        <td>${r.action}</td>
        <td>${subject(r)}</td>
        <td class="small">${figures(r.before)}</td>
        <td class="small">${figures(r.after)}</td>
        <td class="note">${r.note ?? ''}</td>
      </tr>`,
  );
  return html`<section id="audit">
    <h2>
      Audit trail
      <span class="sub"
        >${total} changes by people and API keys, newest
        first${total > records.length ? `; the ${records.length} latest shown` : ''}</span
      >
    </h2>
    ${
      records.length === 0
        ? html`<p class="muted">No change recorded yet.</p>`
        : html`<table class="audit">
            <thead>
              <tr>
                <th>when</th>
                <th>who</th>
                <th>action</th>
                <th>subject</th>
                <th>before</th>
                <th>after</th>
                <th>note</th>
              </tr>
            </thead>
            <tbody>
              ${rows}
            </tbody>
          </table>`
    }
    <p class="links small"><a href="${csvHref}">export the audit trail (CSV)</a></p>
  </section>`;
}
