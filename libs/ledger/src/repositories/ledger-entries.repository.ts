import { Db, idOf, moneyOf, moneyParam } from './row-mapping';
import { preparedQuery } from './prepared-query';

/**
 * `ledger_entries`: the only code that reads or writes it. Every read of a balance "as of"
 * an instant is a scan of the `ledger_entries_as_of` index `(account_id, posted_at, id)`.
 */

/** One snapshot to read: the balance at `asOf` and the entries of `(windowStart, asOf]`. */
export interface SnapshotRequest {
  accountId: string;
  asOf: Date;
  windowStart: Date;
  /** Also the entries of `(asOf, answeredAt]` (posted while the provider answered); null: none. */
  answeredAt: Date | null;
}

/**
 * Which scan of a snapshot a row comes from, in the order rows are returned (each part newest
 * first): entries posted after the instant until the answer arrived (`(asOf, answeredAt]`);
 * entries in the in-flight window `(windowStart, asOf]`; the last entry at or before
 * `windowStart`.
 */
export type SnapshotPart = 'answering' | 'window' | 'before';
const PARTS: readonly SnapshotPart[] = ['answering', 'window', 'before'];

/** A running balance read for a snapshot. */
export interface SnapshotBalance {
  balanceAfter: bigint;
  part: SnapshotPart;
  postedAt: Date;
}

/** An entry as a break's attribution matches it. */
export interface LedgerEntryRecord {
  entryRef: string;
  providerRef: string | null;
  postedAt: Date;
  amount: bigint;
  /**
   * Set (true) on an entry of a window's `backdatedAfter` part: posted at or before the
   * window's start but stored after that instant.
   */
  backdated?: true;
}

/** An entry with its running balance, as an account's history lists it. */
export interface WindowEntry {
  runId: string;
  entryRef: string;
  amount: bigint;
  postedAt: Date;
  balanceAfter: bigint;
}

/** A stored entry of `(accountId, entryRef)`, to judge a re-sent one against. */
export interface StoredEntry {
  accountId: string;
  entryRef: string;
  amount: bigint;
  postedAt: Date;
}

/** An account's latest entry, or nulls when it has none. */
export interface LatestEntry {
  accountId: string;
  postedAt: Date | null;
  balanceAfter: bigint | null;
}

/** Entries to insert, ids already reserved; `balanceAfter` may be provisional (see recomputeTails). */
export interface EntryInsert {
  id: string;
  accountId: string;
  entryRef: string;
  amount: bigint;
  postedAt: Date;
  balanceAfter: bigint;
  providerRef: string | null;
}

/** Back-dated accounts: each one's tail is recomputed from `fromTimes[i]` on. */
export interface TailRecompute {
  accountIds: string[];
  fromTimes: string[];
  /** Smallest id given to a new entry: entries with a smaller id were stored before. */
  firstNewId: string;
}

/**
 * The running balances of one snapshot per request, by {@link SnapshotPart} and newest first
 * within each: up to `maxWindowEntries` posted until the answer arrived, as many inside the
 * window, then the last entry at or before its start. A lone request uses a plain statement of
 * three scans (Postgres plans it several times faster); several are read by one statement with
 * the three scans per account as LATERAL joins.
 */
export async function readSnapshotBalances(
  db: Db,
  requests: readonly SnapshotRequest[],
  maxWindowEntries: number,
): Promise<SnapshotBalance[][]> {
  const limit = Math.trunc(maxWindowEntries);
  // No answer: an empty range (its scan finds nothing at once).
  const answeredAt = (r: SnapshotRequest) => r.answeredAt ?? r.asOf;
  if (requests.length === 1) {
    const [r] = requests;
    const rows: SnapshotRow[] = await preparedQuery(
      db,
      `SELECT balance_after, part, posted_at FROM (
         ${snapshotScans('$1::bigint', '$2::timestamptz', '$3::timestamptz', '$4::timestamptz', limit)}
       ) e ORDER BY part, posted_at DESC, id DESC`,
      [r.accountId, r.asOf, r.windowStart, answeredAt(r)],
    );
    return [rows.map(toSnapshotBalance)];
  }
  const rows: (SnapshotRow & { i: string })[] = await preparedQuery(
    db,
    `SELECT q.i, e.balance_after, e.part, e.posted_at
     FROM unnest($1::bigint[], $2::timestamptz[], $3::timestamptz[], $4::timestamptz[])
       WITH ORDINALITY AS q(account_id, as_of, window_start, answered_at, i)
     CROSS JOIN LATERAL (
       ${snapshotScans('q.account_id', 'q.as_of', 'q.window_start', 'q.answered_at', limit)}
     ) e
     ORDER BY q.i, e.part, e.posted_at DESC, e.id DESC`,
    [
      requests.map((r) => r.accountId),
      requests.map((r) => r.asOf),
      requests.map((r) => r.windowStart),
      requests.map(answeredAt),
    ],
  );
  const byRequest: SnapshotBalance[][] = requests.map(() => []);
  for (const row of rows) byRequest[Number(row.i) - 1].push(toSnapshotBalance(row));
  return byRequest;
}

interface SnapshotRow {
  balance_after: string;
  part: number;
  posted_at: Date;
}

/** The three index scans of one snapshot, each bounded (see {@link SnapshotPart}). */
const snapshotScans = (
  accountId: string,
  asOf: string,
  windowStart: string,
  answeredAt: string,
  limit: number,
) => {
  const scan = (part: number, where: string, rows: number) =>
    `(SELECT balance_after, ${part} AS part, posted_at, id FROM ledger_entries
           WHERE account_id = ${accountId} AND ${where}
           ORDER BY posted_at DESC, id DESC LIMIT ${rows})`;
  return [
    scan(0, `posted_at > ${asOf} AND posted_at <= ${answeredAt}`, limit),
    scan(1, `posted_at <= ${asOf} AND posted_at > ${windowStart}`, limit),
    scan(2, `posted_at <= ${windowStart}`, 1),
  ].join('\n         UNION ALL\n         ');
};

const toSnapshotBalance = (r: SnapshotRow): SnapshotBalance => ({
  balanceAfter: moneyOf(r.balance_after),
  part: PARTS[r.part],
  postedAt: r.posted_at,
});

/** Only the balance as of an instant: one index-only lookup; 0 before the first entry. */
export async function balanceAsOf(db: Db, accountId: string, asOf: Date): Promise<bigint> {
  const rows: { balance_after: string }[] = await db.query(
    `SELECT balance_after FROM ledger_entries
      WHERE account_id = $1 AND posted_at <= $2
      ORDER BY posted_at DESC, id DESC LIMIT 1`,
    [accountId, asOf],
  );
  return rows.length === 0 ? 0n : moneyOf(rows[0].balance_after);
}

/** One account's window of entries to read: `from < posted_at <= to`. */
export interface EntriesWindow {
  accountId: string;
  from: Date;
  to: Date;
  /**
   * Also the entries back-dated into what was already checked: `postedAfter < posted_at <= from`
   * but `created_at > storedAfter` (e.g. the time the last matched check was recorded, when
   * `from` is that check's as-of; `postedAfter` bounds the scan, through the posted-at index).
   * Omitted or null: none.
   */
  backdated?: { storedAfter: Date; postedAfter: Date } | null;
}

/**
 * For each window, in order: the account's entries with `from < posted_at <= to`, oldest
 * first, at most `limit` of them, and, when the window has a `backdatedAfter`, before them
 * its entries posted in `(backdated.postedAfter, from]` and created after
 * `backdated.storedAfter` (at most `limit` more, marked `backdated`); one statement whatever the
 * number of windows.
 */
export async function entriesBetweenMany(
  db: Db,
  windows: readonly EntriesWindow[],
  limit: number,
): Promise<LedgerEntryRecord[][]> {
  const rows: {
    i: string;
    entry_ref: string;
    provider_ref: string | null;
    posted_at: Date;
    amount: string;
    backdated: boolean;
  }[] = await db.query(
    `SELECT w.i, e.entry_ref, e.provider_ref, e.posted_at, e.amount, e.backdated
       FROM unnest($1::bigint[], $2::timestamptz[], $3::timestamptz[], $5::timestamptz[], $6::timestamptz[])
            WITH ORDINALITY AS w(account_id, from_at, to_at, stored_after, posted_after, i)
       CROSS JOIN LATERAL (
         (SELECT entry_ref, provider_ref, posted_at, amount, id, false AS backdated FROM ledger_entries
           WHERE account_id = w.account_id AND posted_at > w.from_at AND posted_at <= w.to_at
           ORDER BY posted_at, id LIMIT $4)
         UNION ALL
         (SELECT entry_ref, provider_ref, posted_at, amount, id, true FROM ledger_entries
           WHERE w.stored_after IS NOT NULL AND account_id = w.account_id
             AND posted_at > w.posted_after AND posted_at <= w.from_at
             AND created_at > w.stored_after
           ORDER BY posted_at, id LIMIT $4)) e
      ORDER BY w.i, e.posted_at, e.id`,
    [
      windows.map((w) => w.accountId),
      windows.map((w) => w.from),
      windows.map((w) => w.to),
      limit,
      windows.map((w) => w.backdated?.storedAfter ?? null),
      windows.map((w) => w.backdated?.postedAfter ?? null),
    ],
  );
  const byWindow: LedgerEntryRecord[][] = windows.map(() => []);
  for (const r of rows)
    byWindow[Number(r.i) - 1].push({
      entryRef: r.entry_ref,
      providerRef: r.provider_ref,
      postedAt: r.posted_at,
      amount: moneyOf(r.amount),
      ...(r.backdated ? { backdated: true as const } : {}),
    });
  return byWindow;
}

/**
 * For each run's as-of instant, the account's entries of `(asOf - windowSeconds, asOf]`,
 * newest first, at most `perWindow` each; ordered by run id descending.
 */
export async function entriesInWindows(
  db: Db,
  accountId: string,
  windows: readonly { runId: string; asOf: Date }[],
  windowSeconds: number,
  perWindow: number,
): Promise<WindowEntry[]> {
  if (windows.length === 0) return [];
  const rows: {
    run_id: string;
    entry_ref: string;
    amount: string;
    posted_at: Date;
    balance_after: string;
  }[] = await db.query(
    `SELECT w.run_id, e.entry_ref, e.amount, e.posted_at, e.balance_after
       FROM unnest($2::bigint[], $3::timestamptz[]) AS w(run_id, as_of)
       CROSS JOIN LATERAL (
         SELECT entry_ref, amount, posted_at, balance_after FROM ledger_entries
          WHERE account_id = $1 AND posted_at <= w.as_of
            AND posted_at > w.as_of - make_interval(secs => $4)
          ORDER BY posted_at DESC, id DESC LIMIT ${Math.trunc(perWindow)}
       ) e
      ORDER BY w.run_id DESC, e.posted_at DESC`,
    [accountId, windows.map((w) => w.runId), windows.map((w) => w.asOf), windowSeconds],
  );
  return rows.map((e) => ({
    runId: idOf(e.run_id),
    entryRef: e.entry_ref,
    amount: moneyOf(e.amount),
    postedAt: e.posted_at,
    balanceAfter: moneyOf(e.balance_after),
  }));
}

/** The stored entries among `(accountId, entryRef)` keys. */
export async function findStoredEntries(
  db: Db,
  keys: readonly { accountId: string; entryRef: string }[],
): Promise<StoredEntry[]> {
  const rows: { account_id: string; entry_ref: string; amount: string; posted_at: Date }[] =
    await db.query(
      `SELECT e.account_id, e.entry_ref, e.amount, e.posted_at
         FROM unnest($1::bigint[], $2::text[]) AS k(account_id, entry_ref)
         JOIN ledger_entries e USING (account_id, entry_ref)`,
      [keys.map((k) => k.accountId), keys.map((k) => k.entryRef)],
    );
  return rows.map((r) => ({
    accountId: idOf(r.account_id),
    entryRef: r.entry_ref,
    amount: moneyOf(r.amount),
    postedAt: r.posted_at,
  }));
}

/** Each account's latest entry (time and running balance), one row per account. */
export async function latestEntries(db: Db, accountIds: readonly string[]): Promise<LatestEntry[]> {
  const rows: { id: string; posted_at: Date | null; balance_after: string | null }[] =
    await db.query(
      `SELECT a.id, l.posted_at, l.balance_after
         FROM unnest($1::bigint[]) AS a(id)
         LEFT JOIN LATERAL (
           SELECT posted_at, balance_after FROM ledger_entries
            WHERE account_id = a.id ORDER BY posted_at DESC, id DESC LIMIT 1) l ON true`,
      [accountIds],
    );
  return rows.map((r) => ({
    accountId: idOf(r.id),
    postedAt: r.posted_at,
    balanceAfter: r.balance_after === null ? null : moneyOf(r.balance_after),
  }));
}

/** What a back-dated account's tail can reach: see {@link tailBounds}. */
export interface TailBounds {
  accountId: string;
  /** The running balance just before `fromAt` (0 when no entry is earlier). */
  base: bigint;
  /** Highest and lowest stored `balance_after` at or after `fromAt`; null when none. */
  max: bigint | null;
  min: bigint | null;
}

/**
 * For each account, the balance before `fromTimes[i]` and the extremes of the stored running
 * balances from then on (one index-only scan of the tail): enough to tell whether entries
 * inserted there could push any balance out of `bigint`.
 */
export async function tailBounds(
  db: Db,
  accountIds: readonly string[],
  fromTimes: readonly string[],
): Promise<TailBounds[]> {
  const rows: {
    account_id: string;
    base: string | null;
    max: string | null;
    min: string | null;
  }[] = await db.query(
    `SELECT s.account_id, b.balance_after AS base, t.max, t.min
       FROM unnest($1::bigint[], $2::timestamptz[]) AS s(account_id, from_at)
       LEFT JOIN LATERAL (
         SELECT balance_after FROM ledger_entries
          WHERE account_id = s.account_id AND posted_at < s.from_at
          ORDER BY posted_at DESC, id DESC LIMIT 1) b ON true
       CROSS JOIN LATERAL (
         SELECT max(balance_after) AS max, min(balance_after) AS min FROM ledger_entries
          WHERE account_id = s.account_id AND posted_at >= s.from_at) t`,
    [accountIds, fromTimes],
  );
  return rows.map((r) => ({
    accountId: idOf(r.account_id),
    base: r.base === null ? 0n : moneyOf(r.base),
    max: r.max === null ? null : moneyOf(r.max),
    min: r.min === null ? null : moneyOf(r.min),
  }));
}

/** One account's stored running balances at or after `fromAt`, in `(posted_at, id)` order. */
export async function tailBalances(
  db: Db,
  accountId: string,
  fromAt: string,
): Promise<{ postedAt: Date; balanceAfter: bigint }[]> {
  const rows: { posted_at: Date; balance_after: string }[] = await db.query(
    `SELECT posted_at, balance_after FROM ledger_entries
      WHERE account_id = $1 AND posted_at >= $2 ORDER BY posted_at, id`,
    [accountId, fromAt],
  );
  return rows.map((r) => ({ postedAt: r.posted_at, balanceAfter: moneyOf(r.balance_after) }));
}

/** Takes `count` ids from the entries' sequence (one row holding an array: cheap for the driver). */
export async function reserveEntryIds(db: Db, count: number): Promise<string[]> {
  const [{ ids }]: { ids: string[] }[] = await db.query(
    `SELECT array_agg(nextval(pg_get_serial_sequence('ledger_entries', 'id'))) AS ids
       FROM generate_series(1, $1::int)`,
    [count],
  );
  return ids.map(idOf);
}

/** Inserts entries in one statement (arrays through `unnest`). */
export async function insertEntries(db: Db, entries: readonly EntryInsert[]): Promise<void> {
  await db.query(
    `INSERT INTO ledger_entries (id, account_id, entry_ref, amount, posted_at, balance_after, provider_ref)
     SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::timestamptz[], $6::bigint[], $7::text[])`,
    [
      entries.map((e) => e.id),
      entries.map((e) => e.accountId),
      entries.map((e) => e.entryRef),
      entries.map((e) => moneyParam(e.amount)),
      entries.map((e) => e.postedAt.toISOString()),
      entries.map((e) => moneyParam(e.balanceAfter)),
      entries.map((e) => e.providerRef),
    ],
  );
}

/**
 * Recomputes `balance_after` of each back-dated account from its earliest new entry on: the
 * balance just before that time plus a running sum over the tail. Rows whose value does not
 * change are not rewritten. Returns how many entries stored before (`id < firstNewId`) changed.
 * Run inside the append's transaction: the planner settings are LOCAL to it.
 */
export async function recomputeTails(db: Db, tails: TailRecompute): Promise<number> {
  // The tail is found through the as-of index; without these the planner likes to hash-join
  // the tail with a sequential scan of the whole ledger to find the rows to update. LOCAL:
  // only the rest of this transaction (its COMMIT) is affected.
  await db.query(`SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off`);
  const [{ rebalanced }]: { rebalanced: number }[] = await db.query(
    `WITH start AS (
       SELECT s.account_id, s.from_at, COALESCE(b.balance_after, 0) AS base
         FROM unnest($1::bigint[], $2::timestamptz[]) AS s(account_id, from_at)
         LEFT JOIN LATERAL (
           SELECT balance_after FROM ledger_entries
            WHERE account_id = s.account_id AND posted_at < s.from_at
            ORDER BY posted_at DESC, id DESC LIMIT 1) b ON true
     ),
     tail AS (
       SELECT e.id, s.base + sum(e.amount) OVER (
                PARTITION BY e.account_id ORDER BY e.posted_at, e.id ROWS UNBOUNDED PRECEDING) AS balance
         FROM start s JOIN ledger_entries e ON e.account_id = s.account_id AND e.posted_at >= s.from_at
     ),
     changed AS (
       UPDATE ledger_entries e SET balance_after = t.balance
         FROM tail t
        WHERE e.id = t.id AND e.balance_after <> t.balance
       RETURNING e.id
     )
     SELECT count(*) FILTER (WHERE id < $3::bigint)::int AS rebalanced FROM changed`,
    [tails.accountIds, tails.fromTimes, tails.firstNewId],
  );
  return rebalanced;
}
