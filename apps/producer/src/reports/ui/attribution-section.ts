import type { StoredAttribution } from '@app/reconciliation';
import { html, SafeHtml } from './html';

/**
 * The account page's piece for a break explained from the provider's history (issue 15): the
 * bridge and the unmatched items. It takes already-formatted strings (amounts and times as the
 * page writes them), so it does not care how a page formats them.
 */
export interface BridgeDisplay {
  summary: string;
  failed: boolean;
  window?: string;
  /** Bridge lines: label and amount, in order, ending with the provider balance. */
  lines?: { label: string; amount: string }[];
  unmatched?: { item: string; ref: string; time: string; amount: string; type: string }[];
  divergence?: string | null;
  notes?: string[];
}

/** Formatters the page provides: a time, an amount, and a text with amounts, from the API's text. */
export interface BridgeFormat {
  when(iso: string): string;
  amount(decimal: string): string;
  text(summary: string): string;
}

/** The stored attribution as display strings. */
export function bridgeDisplay(a: StoredAttribution, f: BridgeFormat): BridgeDisplay {
  if (
    a.outcome !== 'explained' &&
    a.outcome !== 'partly-explained' &&
    a.outcome !== 'not-explained'
  ) {
    return { summary: f.text(a.summary), failed: true };
  }
  const notes: string[] = [];
  if (a.duplicatesSkipped) notes.push(`${a.duplicatesSkipped} duplicate event(s) skipped`);
  if (a.notSettledSkipped) notes.push(`${a.notSettledSkipped} unsettled event(s) skipped`);
  if (a.capHit) notes.push(`page cap ${a.maxPages} reached: older events were not fetched`);
  if (a.inFlight) notes.push('only recent provider-only movements: likely money in flight');
  return {
    summary: f.text(a.summary),
    failed: false,
    window: `${f.when(a.window.from)} – ${f.when(a.window.to)} (from ${a.window.fromKind === 'last-matched' ? 'the last matched check' : 'the look-back'}${a.window.eventsFrom && a.window.eventsFrom !== a.window.from ? `; the provider's events from ${f.when(a.window.eventsFrom)}, its clock` : ''}; ${a.pages} page(s) of history)`,
    lines: [
      { label: 'ledger balance', amount: f.amount(a.ledgerBalance) },
      { label: '+ provider-only movements', amount: f.amount(a.providerOnlyTotal) },
      { label: '− ledger-only entries', amount: f.amount(a.ledgerOnlyTotal) },
      { label: '+ amount differences', amount: f.amount(a.amountDifferenceTotal) },
      { label: '+ unexplained remainder', amount: f.amount(a.remainder) },
      { label: '= provider balance', amount: f.amount(a.providerBalance) },
    ],
    unmatched: [
      ...a.providerOnly.map((e) => ({
        item: 'provider only',
        ref: e.providerRef ?? '–',
        time: f.when(e.time),
        amount: f.amount(e.amount),
        type: e.type ?? '',
      })),
      ...a.ledgerOnly.map((e) => ({
        // Back-dated: dated before the window (the last matched check) but booked after it.
        item: e.backdated ? 'ledger only, back-dated' : 'ledger only',
        ref: e.entryRef,
        time: f.when(e.postedAt),
        amount: f.amount(e.amount),
        type: '',
      })),
      ...a.amountDifferences.map((d) => ({
        item: 'amount differs',
        ref: `${d.providerRef ?? '–'} / ${d.entryRef}`,
        time: '',
        amount: `${f.amount(d.providerAmount)} vs ${f.amount(d.ledgerAmount)}`,
        type: '',
      })),
    ],
    divergence: a.firstDivergence
      ? a.firstDivergence.event
        ? `provider and ledger running balances part after ${a.firstDivergence.event.providerRef ?? 'the event'} at ${f.when(a.firstDivergence.event.time)}: provider ${f.amount(a.firstDivergence.providerRunning)}, ledger ${f.amount(a.firstDivergence.ledgerRunning)}`
        : `provider and ledger differ before the first event: provider ${f.amount(a.firstDivergence.providerRunning)}, ledger ${f.amount(a.firstDivergence.ledgerRunning)}`
      : null,
    notes,
  };
}

/** The bridge and unmatched items as HTML. */
export function attributionSection(d: BridgeDisplay): SafeHtml {
  if (d.failed) {
    return html`<div class="small err" data-testid="attribution">${d.summary}</div>`;
  }
  return html`<div class="small" data-testid="attribution">
    <p class="hint" data-testid="attribution-summary">${d.summary}</p>
    <div>History window ${d.window}</div>
    <table class="bridge small" data-testid="bridge">
      <tbody>
        ${(d.lines ?? []).map(
          (l) =>
            html`<tr>
              <td>${l.label}</td>
              <td class="num">${l.amount}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${d.divergence ? html`<p>${d.divergence}</p>` : ''}
    ${(d.notes ?? []).map((n) => html`<p class="muted">${n}</p>`)}
    ${
      (d.unmatched ?? []).length === 0
        ? ''
        : html`<table class="bridge small" data-testid="unmatched">
            <thead>
              <tr>
                <th>item</th>
                <th>reference</th>
                <th>time</th>
                <th class="num">amount</th>
                <th>type</th>
              </tr>
            </thead>
            <tbody>
              ${d.unmatched!.map(
                (u) =>
                  html`<tr>
                    <td>${u.item}</td>
                    <td>${u.ref}</td>
                    <td class="when">${u.time}</td>
                    <td class="num">${u.amount}</td>
                    <td>${u.type}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
  </div>`;
}
