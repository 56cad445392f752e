import { html, SafeHtml } from './html';

/**
 * Where the overview meets the discrepancies workflow (acknowledge / resolve, built in
 * `apps/producer/src/discrepancies`): the navigation link and this section, which shows how
 * many discrepancies wait and links to their page. The workflow itself lives there.
 */
export const DISCREPANCIES_HREF = '/ui/discrepancies';

export interface DiscrepancyCounts {
  open: number;
  acknowledged: number;
}

export function discrepanciesSection(counts: DiscrepancyCounts): SafeHtml {
  const waiting = counts.open + counts.acknowledged;
  return html`<section id="discrepancies">
    <h2>Discrepancies <span class="sub">breaks tracked across runs until resolved</span></h2>
    <div class="tiles">
      <div class="tile" style="--c:var(--mismatched)">
        <div class="n" data-testid="discrepancies-open">${counts.open}</div>
        <div class="l">open</div>
      </div>
      <div class="tile" style="--c:var(--timing)">
        <div class="n" data-testid="discrepancies-acknowledged">${counts.acknowledged}</div>
        <div class="l">acknowledged</div>
      </div>
    </div>
    <p class="links small">
      <a href="${DISCREPANCIES_HREF}"
        >${waiting > 0 ? 'acknowledge or resolve them' : 'see the discrepancies'}</a
      >
      <a href="${DISCREPANCIES_HREF}?status=resolved">resolved</a>
    </p>
  </section>`;
}
