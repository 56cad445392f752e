/** Small pieces of markup the pages share. */
import type { Display } from './display';
import { href, html } from './html';

/** An account as the pages name and link it (`msId`: a NICEPay seller under `accountNo`). */
export interface AccountRef {
  provider: string;
  accountNo: string;
  msId?: string | null;
}

/** The account page's address. */
export const accountHref = (a: AccountRef) =>
  href(['ui', 'accounts', a.provider, a.accountNo], { msId: a.msId ?? undefined });

/** The account number, and the seller for a seller's account: `IONPAYTEST seller S7`. */
export const accountLabel = (a: AccountRef) =>
  a.msId ? `${a.accountNo} seller ${a.msId}` : a.accountNo;

/** A status badge, coloured by the status. */
export const badge = (status: string) => html`<span class="badge s-${status}">${status}</span>`;

/** A table cell holding an amount, red when negative. */
export const amountCell = (v: string | null, view: Display) =>
  html`<td class="num${v?.startsWith('-') ? ' neg' : ''}">${view.amount(v)}</td>`;
