import type { DataSource } from 'typeorm';
import type { NewLedgerEntry } from '@app/ledger';
import { Readable } from 'node:stream';

/** Creates a merchant (if needed) and a provider account; returns the account id. */
export async function createAccount(
  ds: DataSource,
  accountNo: string,
  provider = 'netzme',
  merchantId = 'm1',
): Promise<string> {
  await ds.query(`INSERT INTO merchants (id, name) VALUES ($1, $1) ON CONFLICT DO NOTHING`, [
    merchantId,
  ]);
  const [{ id }] = await ds.query(
    `INSERT INTO provider_accounts (merchant_id, provider, account_no) VALUES ($1, $2, $3) RETURNING id`,
    [merchantId, provider, accountNo],
  );
  return String(id);
}

/** One stored entry, as the tests compare them. */
export interface StoredEntry {
  id: bigint;
  ref: string;
  amount: bigint;
  postedAt: string;
  balanceAfter: bigint;
}

/** The account's entries in (posted_at, id) order. */
export async function entriesOf(ds: DataSource, accountId: string): Promise<StoredEntry[]> {
  const rows: {
    id: string;
    entry_ref: string;
    amount: string;
    posted_at: Date;
    balance_after: string;
  }[] = await ds.query(
    `SELECT id, entry_ref, amount, posted_at, balance_after FROM ledger_entries WHERE account_id = $1`,
    [accountId],
  );
  return rows
    .map((r) => ({
      id: BigInt(r.id),
      ref: r.entry_ref,
      amount: BigInt(r.amount),
      postedAt: r.posted_at.toISOString(),
      balanceAfter: BigInt(r.balance_after),
    }))
    .sort((a, b) =>
      a.postedAt < b.postedAt ? -1 : a.postedAt > b.postedAt ? 1 : a.id < b.id ? -1 : 1,
    );
}

/**
 * Recomputes every running balance in JS from the amounts and returns the entries whose
 * stored `balance_after` differs (empty when the ledger is right).
 */
export async function wrongBalances(
  ds: DataSource,
): Promise<{ id: bigint; stored: bigint; expected: bigint }[]> {
  const accounts: { id: string }[] = await ds.query(
    `SELECT DISTINCT account_id AS id FROM ledger_entries`,
  );
  const wrong: { id: bigint; stored: bigint; expected: bigint }[] = [];
  for (const { id } of accounts) {
    let balance = 0n;
    for (const e of await entriesOf(ds, String(id))) {
      balance += e.amount;
      if (e.balanceAfter !== balance)
        wrong.push({ id: e.id, stored: e.balanceAfter, expected: balance });
    }
  }
  return wrong;
}

/** A readable stream of the given CSV text. */
export function csv(text: string): Readable {
  return Readable.from([text]);
}

/** A new ledger entry for {@link appendLedgerEntries}, its time written as ISO text. */
export function newEntry(
  accountId: string,
  entryRef: string,
  amount: bigint,
  at: string,
): NewLedgerEntry {
  return { accountId, entryRef, amount, postedAt: new Date(at) };
}

/** The account's stored entries as `[ref, amount, balanceAfter]`, in (posted_at, id) order. */
export async function ledgerRows(ds: DataSource, accountId: string) {
  return (await entriesOf(ds, accountId)).map((x) => [x.ref, x.amount, x.balanceAfter]);
}
