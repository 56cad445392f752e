import type { AuditRecord } from '@app/reconciliation';
import type { AccountHistory } from '@app/reconciliation/report-views';
import { attributionSection, bridgeDisplay } from './attribution-section';
import { auditSection } from './audit-section';
import { accountLabel, amountCell, badge } from './cells';
import { Display } from './display';
import { href, html, SafeHtml } from './html';
import { layout } from './layout';

type HistoryItem = AccountHistory['items'][number];

/** Provider history is read in Jakarta time, whatever the page's zone (issue 15). */
const HISTORY_ZONE = 'Asia/Jakarta';

/** The break explained from the provider's history, when there is an attribution. */
function attributionRows(r: HistoryItem, page: Display): SafeHtml | '' {
  if (!r.attribution) return '';
  const jakarta = new Display(HISTORY_ZONE, page.amountFormat);
  const view = bridgeDisplay(r.attribution, {
    when: (iso) => jakarta.when(iso),
    amount: (d) => jakarta.amount(d),
    text: (t) => jakarta.amountsIn(t),
  });
  return html`<tr class="sub">
    <td></td>
    <td colspan="9">${attributionSection(view)}</td>
  </tr>`;
}

/** Why a result differed, when the in-flight window explains it. */
function explanation(r: HistoryItem): SafeHtml | '' {
  const n = r.windowEntries.length;
  if (r.status === 'matched' || n === 0 || r.windowEntriesTruncated) return '';
  if (r.providerBalance !== null && r.providerBalance === r.balanceBeforeWindow) {
    return html`<p class="hint">
      The provider’s balance equals the ledger before
      ${n === 1 ? 'this entry' : `these ${n} entries`}: ${n === 1 ? 'it was' : 'they were'} still in
      flight when the provider answered.
    </p>`;
  }
  return '';
}

/** The rows of one run's result: the figures, then its error or in-flight ledger entries. */
function historyRows(r: HistoryItem, windowSeconds: number, view: Display): SafeHtml {
  const details =
    r.asOf === null
      ? html`<span class="muted">no ledger comparison: no balance from the provider</span>`
      : r.windowEntries.length === 0
        ? html`<span class="muted"
            >no ledger entry in the ${windowSeconds} s before as-of: nothing was in flight</span
          >`
        : html`<div class="small">
              Ledger entries in the ${windowSeconds} s before as-of (${view.when(r.windowStart)} –
              ${view.when(r.asOf)}), newest
              first${r.windowEntriesTruncated ? ' (first 100 only)' : ''}; balance before them
              <b>${view.amount(r.balanceBeforeWindow)}</b>:
            </div>
            <table class="entries small">
              <thead>
                <tr>
                  <th>entry</th>
                  <th>posted</th>
                  <th class="num">amount</th>
                  <th class="num">balance after</th>
                </tr>
              </thead>
              <tbody>
                ${r.windowEntries.map(
                  (e) =>
                    html`<tr>
                      <td>${e.entryRef}</td>
                      <td class="when">${view.when(e.postedAt)}</td>
                      ${amountCell(e.amount, view)}
                      <td class="num">${view.amount(e.balanceAfter)}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
            ${explanation(r)}`;
  return html`<tbody class="history" data-testid="history-result" data-run="${r.runId}">
    <tr class="main">
      <td>
        <a href="${href([], { run: r.runId })}">#${r.runId}</a>
        <div class="muted small">${r.runTrigger}</div>
      </td>
      <td class="when">${view.when(r.runStartedAt)}</td>
      <td>${badge(r.status)}</td>
      ${amountCell(r.providerBalance, view)}${amountCell(r.ledgerBalance, view)}
      <td
        class="num${r.difference?.startsWith('-') ? ' neg' : ''}"
        data-testid="history-difference"
      >
        ${view.amount(r.difference)}
      </td>
      ${amountCell(r.inFlightAmount, view)}
      <td class="when">${view.when(r.asOf)}</td>
      <td class="num">${r.attempts}</td>
      <td>${r.responseCode ?? '–'}</td>
    </tr>
    ${
      r.error
        ? html`<tr class="sub">
            <td></td>
            <td colspan="9" class="err">${r.error}</td>
          </tr>`
        : ''
    }
    ${attributionRows(r, view)}
    ${
      r.status === 'matched' && r.windowEntries.length === 0
        ? ''
        : html`<tr class="sub">
            <td></td>
            <td colspan="9">${details}</td>
          </tr>`
    }
  </tbody>`;
}

/**
 * `/ui/accounts/:provider/:accountNo`: the account's results with their in-flight windows,
 * then the audit trail of changes concerning it (its discrepancies, ledger entries posted).
 */
export function accountPage(
  history: AccountHistory,
  view: Display,
  audit: { items: AuditRecord[]; total: number },
): string {
  const { account } = history;
  const body = html`<section>
      <h1>${account.merchantName}</h1>
      <p class="meta">
        ${account.provider} account <b>${account.accountNo}</b>${
          account.msId ? html` · seller <b>${account.msId}</b>` : ''
        }
        · merchant ${account.merchantId} · ${account.currency} ·
        ${account.enabled ? 'enabled' : 'disabled'} ·
        <a
          href="${href(['accounts', account.provider, account.accountNo, 'history'], {
            msId: account.msId ?? undefined,
          })}"
          >JSON</a
        >
      </p>
    </section>
    <section>
      <h2>
        Results
        <span class="sub"
          >last ${history.items.length} runs, newest first; under each, the ledger entries that
          could still have been in flight (${history.inFlightWindowSeconds} s before the balance’s
          instant)</span
        >
      </h2>
      ${
        history.items.length === 0
          ? html`<p class="muted">No run has checked this account yet.</p>`
          : html`<table class="history-table">
              <thead>
                <tr>
                  <th>run</th>
                  <th>started</th>
                  <th>status</th>
                  <th class="num">provider balance</th>
                  <th class="num">ledger balance</th>
                  <th class="num">difference</th>
                  <th class="num">in flight</th>
                  <th>as of</th>
                  <th class="num">attempts</th>
                  <th>code</th>
                </tr>
              </thead>
              ${history.items.map((r) => historyRows(r, history.inFlightWindowSeconds, view))}
            </table>`
      }
    </section>
    ${auditSection(
      audit.items,
      audit.total,
      view,
      href(['audit', 'export.csv'], {
        provider: account.provider,
        accountNo: account.accountNo,
        msId: account.msId ?? undefined,
      }),
    )}`;
  return layout(`${account.provider} ${accountLabel(account)} · snap-recon`, view, body);
}
