import type { AuditRecord, DiscrepancyView } from '@app/reconciliation';
import { auditSection } from '../reports/ui/audit-section';
import { accountHref, accountLabel } from '../reports/ui/cells';
import { CSRF_FIELD } from '../http/csrf';
import type { Display } from '../reports/ui/display';
import { href, html, SafeHtml } from '../reports/ui/html';
import { layout } from '../reports/ui/layout';

export type DiscrepancyPageStatus = 'active' | 'open' | 'acknowledged' | 'resolved' | 'all';

/** The list a form was posted from (its status filter and page), to go back to after the change. */
export interface ListPlace {
  status: DiscrepancyPageStatus;
  page: number;
}

/** The list's address: its filter and page, the defaults left out. */
export function listHref(place: ListPlace): string {
  return href(['ui', 'discrepancies'], {
    status: place.status === 'active' ? undefined : place.status,
    page: place.page === 1 ? undefined : place.page,
  });
}

/**
 * One acknowledge or resolve form: a required note and the page's CSRF token, posted to the
 * page's change route. An acknowledge form also carries the difference this page shows
 * (`seenDifference`): the person acknowledges what they saw, not what a run may have written
 * since the page was loaded. Both carry the list's place (`returnStatus`, `returnPage`), so the
 * person is brought back to the page they were working through.
 */
function changeForm(
  d: DiscrepancyView,
  action: 'acknowledge' | 'resolve',
  csrf: string,
  place: ListPlace,
): SafeHtml {
  const label = action === 'acknowledge' ? 'Acknowledge' : 'Resolve';
  return html`<form method="post" action="/ui/discrepancies/${d.id}/${action}" class="change">
    <input type="hidden" name="${CSRF_FIELD}" value="${csrf}" />
    <input type="hidden" name="returnStatus" value="${place.status}" />
    <input type="hidden" name="returnPage" value="${place.page}" />
    ${
      action === 'acknowledge'
        ? html`<input type="hidden" name="seenDifference" value="${d.lastDifference}" />`
        : ''
    }
    <input
      name="note"
      required
      maxlength="2000"
      placeholder="note"
      aria-label="${action === 'acknowledge' ? 'note' : 'resolution note'} for discrepancy ${d.id}"
    />
    <button>${label}</button>
  </form>`;
}

/** `csrf` is null for a caller whose role may not change a discrepancy: no forms then. */
function row(d: DiscrepancyView, view: Display, csrf: string | null, place: ListPlace): SafeHtml {
  const forms =
    d.status === 'resolved' || csrf === null
      ? ''
      : d.status === 'open'
        ? html`${changeForm(d, 'acknowledge', csrf, place)}${changeForm(d, 'resolve', csrf, place)}`
        : changeForm(d, 'resolve', csrf, place);
  return html`<tr data-discrepancy="${d.id}">
    <td>${d.id}</td>
    <td><span class="badge d-${d.status}">${d.status}</span></td>
    <td>${d.merchantId}</td>
    <td>
      <a href="${accountHref(d)}">${d.provider} ${accountLabel(d)}</a>
    </td>
    <td class="num${d.lastDifference.startsWith('-') ? ' neg' : ''}">
      ${view.amount(d.lastDifference)}
      ${
        d.explanation
          ? html`<div class="small muted" data-testid="explanation">
              ${view.amountsIn(d.explanation)}
            </div>`
          : ''
      }
    </td>
    <td class="num">${d.occurrences}</td>
    <td class="when">${view.when(d.openedAt)}</td>
    <td class="when">${view.when(d.lastSeenAt)}</td>
    <td class="note">${d.note ?? ''}</td>
    <td>${forms}</td>
  </tr>`;
}

export interface DiscrepanciesPageData {
  status: DiscrepancyPageStatus;
  items: DiscrepancyView[];
  total: number;
  /** The page shown (1: the most recently seen) and how many a page holds. */
  page: number;
  pageSize: number;
  audit: { items: AuditRecord[]; total: number };
  display: Display;
  /** The CSRF token every form carries (see PageCsrf). */
  csrf: string;
  /**
   * The caller's role when it may not acknowledge or resolve (a viewer): the page shows no
   * forms (the server would refuse them) and says why.
   */
  readOnlyRole?: string;
}

/** `/ui/discrepancies`: the list a person works through, then the trail of who changed what. */
export function discrepanciesPage(data: DiscrepanciesPageData): string {
  const { status, items, total, page, pageSize, display: view } = data;
  const first = (page - 1) * pageSize + 1;
  const lastPage = Math.max(1, Math.ceil(total / pageSize));
  const shown =
    total > items.length && items.length > 0
      ? `, ${first}–${first + items.length - 1} shown (most recently seen first)`
      : '';
  const pageLink = (to: number, text: string) =>
    html`<a href="${listHref({ status, page: to })}">${text}</a>`;
  const pager =
    lastPage > 1 || page > 1
      ? html`<p class="pager small" data-testid="pager">
          ${page > 1 ? pageLink(Math.min(page - 1, lastPage), '← more recent') : ''}
          <span>page ${page} of ${lastPage}</span>
          ${page < lastPage ? pageLink(page + 1, 'older →') : ''}
        </p>`
      : '';
  const body = html`<section id="discrepancies">
      <h1>Discrepancies (${status}): ${total}${shown}</h1>
      <p class="links small">
        <a href="/ui/discrepancies">active</a><a href="/ui/discrepancies?status=open">open</a
        ><a href="/ui/discrepancies?status=acknowledged">acknowledged</a
        ><a href="/ui/discrepancies?status=resolved">resolved</a
        ><a href="/ui/discrepancies?status=all">all</a>
      </p>
      ${
        data.readOnlyRole
          ? html`<p class="small muted" data-testid="read-only">
              Read only: your role (${data.readOnlyRole}) cannot acknowledge or resolve a
              discrepancy; an operator or an admin can.
            </p>`
          : ''
      }
      <table>
        <thead>
          <tr>
            <th>#</th>
            <th>status</th>
            <th>merchant</th>
            <th>account</th>
            <th class="num">difference</th>
            <th class="num">runs seen</th>
            <th>opened</th>
            <th>last seen</th>
            <th>note</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          ${
            items.length
              ? items.map((d) =>
                  row(d, view, data.readOnlyRole ? null : data.csrf, { status, page }),
                )
              : html`<tr>
                  <td colspan="10">none</td>
                </tr>`
          }
        </tbody>
      </table>
      ${pager}
    </section>
    ${auditSection(data.audit.items, data.audit.total, view, '/audit/export.csv?subjectType=discrepancy')}`;
  return layout('Discrepancies · snap-recon', view, body);
}
