/** Small pieces of markup the pages share. */
import type { Display } from './display';
import { href, html } from './html';

/** The account page's address. */
export const accountHref = (provider: string, accountNo: string) =>
  href(['ui', 'accounts', provider, accountNo]);

/** A status badge, coloured by the status. */
export const badge = (status: string) => html`<span class="badge s-${status}">${status}</span>`;

/** A table cell holding an amount, red when negative. */
export const amountCell = (v: string | null, view: Display) =>
  html`<td class="num${v?.startsWith('-') ? ' neg' : ''}">${view.amount(v)}</td>`;
