import { BreakerStatus, DEFAULT_PROFILES } from '@app/snap';
import { formatInZone } from '../zoned-day';
import type { Display } from './display';
import { html, SafeHtml } from './html';

/** The breakers could not be read (Redis away): why, shown in their place. */
export interface ProvidersUnknown {
  unknown: string;
}

/**
 * Each provider as its circuit breaker sees it now (shared by every worker, read from Redis):
 * up, or "NICEPay unavailable since 10:14" with the reason, and when it last answered. When
 * Redis does not answer, the section says so and the rest of the page (Postgres's) stands.
 */
export function providersSection(
  providers: BreakerStatus[] | ProvidersUnknown,
  view: Display,
): SafeHtml {
  if (!Array.isArray(providers))
    return html`<section id="providers">
      <h2>Providers <span class="sub">circuit breakers, shared by every worker</span></h2>
      <p data-testid="providers-unknown">
        <span class="badge s-error">unknown</span> The providers' states could not be read:
        ${providers.unknown}. The figures below are from the database and stand.
      </p>
    </section>`;
  const at = (d: Date | null) => view.when(d ? d.toISOString() : null);
  const rows = providers.map((p) => {
    const name = DEFAULT_PROFILES[p.provider].displayName;
    const since = p.since
      ? `${formatInZone(p.since, view.timeZone).slice(11, 16)} ${view.zone}`
      : '?';
    const down = `${name} unavailable since ${since}`;
    const state =
      p.state === 'open'
        ? html`<span class="badge s-unavailable">unavailable</span> ${down}
            <span class="muted small">${p.reason ?? ''}</span>`
        : html`<span class="badge s-matched">up</span>`;
    return html`<tr data-testid="provider-${p.provider}">
      <td>${name}</td>
      <td>${state}</td>
      <td>${at(p.lastSuccessAt)}</td>
    </tr>`;
  });
  return html`<section id="providers">
    <h2>Providers <span class="sub">circuit breakers, shared by every worker</span></h2>
    <table>
      <thead>
        <tr>
          <th>provider</th>
          <th>state</th>
          <th>last good answer</th>
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>
  </section>`;
}
