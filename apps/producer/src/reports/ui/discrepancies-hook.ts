import { html, SafeHtml } from './html';

/**
 * Hook point of the discrepancies workflow (acknowledge / resolve), built separately: point
 * this link at its page and replace {@link discrepanciesSection} with its summary (open
 * discrepancies of the shown run, with links). The overview renders both as they are.
 */
export const DISCREPANCIES_HREF = '#discrepancies';

export function discrepanciesSection(): SafeHtml {
  return html`<section id="discrepancies" class="placeholder">
    <h2>Discrepancies</h2>
    <p class="muted">
      Acknowledging and resolving mismatches is not available here yet. Until it is, follow a
      mismatch to its account history to see the ledger entries that were in flight.
    </p>
  </section>`;
}
