import { appendLedgerEntries, NewLedgerEntry, UnknownAccountError } from '@app/ledger';
import { createTestDatabase } from '../support/test-database';
import { testConfig } from '../support/test-config';
import { createAccount, entriesOf, ledgerRows, newEntry, wrongBalances } from './ledger-helpers';
import { seeded } from '../../apps/cli/src/demo/seeded-random';

describe('appendLedgerEntries', () => {
  const config = testConfig();
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let ds: Awaited<ReturnType<typeof createTestDatabase>>['dataSource'];
  let n = 0;
  const account = () => createAccount(ds, `acc${++n}`);
  const e = newEntry;
  const ledger = (accountId: string) => ledgerRows(ds, accountId);

  beforeAll(async () => {
    db = await createTestDatabase(config);
    ds = db.dataSource;
  });
  afterAll(() => db.drop());

  it('extends the running balance for entries arriving in order', async () => {
    const a = await account();
    const first = await appendLedgerEntries(ds, [
      e(a, 'e1', 10000n, '2026-11-21T10:00:00Z'),
      e(a, 'e2', -3000n, '2026-11-21T10:10:00Z'),
    ]);
    expect(first).toEqual({
      inserted: 2,
      duplicates: 0,
      conflicts: [],
      rebalanced: 0,
      outOfRange: [],
    });
    // Same instant as the latest entry: goes after it (higher id).
    await appendLedgerEntries(ds, [
      e(a, 'e4', 1n, '2026-11-21T10:12:00Z'),
      e(a, 'e3', 500n, '2026-11-21T10:10:00Z'),
    ]);
    expect(await ledger(a)).toEqual([
      ['e1', 10000n, 10000n],
      ['e2', -3000n, 7000n],
      ['e3', 500n, 7500n],
      ['e4', 1n, 7501n],
    ]);
  });

  it('recomputes the later balances when an entry is back-dated', async () => {
    const a = await account();
    await appendLedgerEntries(ds, [
      e(a, 'e1', 10000n, '2026-11-21T10:00:00Z'),
      e(a, 'e2', -3000n, '2026-11-21T10:10:00Z'),
      e(a, 'e3', 500n, '2026-11-21T10:20:00Z'),
    ]);
    const result = await appendLedgerEntries(ds, [
      e(a, 'late', 200n, '2026-11-21T10:05:00+00:00'),
      e(a, 'new', 7n, '2026-11-21T10:30:00Z'),
    ]);
    expect(result).toEqual({
      inserted: 2,
      duplicates: 0,
      conflicts: [],
      rebalanced: 2,
      outOfRange: [],
    });
    expect(await ledger(a)).toEqual([
      ['e1', 10000n, 10000n],
      ['late', 200n, 10200n],
      ['e2', -3000n, 7200n],
      ['e3', 500n, 7700n],
      ['new', 7n, 7707n],
    ]);
    // Before every entry of the account.
    const earliest = await appendLedgerEntries(ds, [e(a, 'first', -1n, '2026-11-21T09:00:00Z')]);
    expect(earliest.rebalanced).toBe(5);
    expect((await ledger(a)).map((x) => x[2])).toEqual([-1n, 9999n, 10199n, 7199n, 7699n, 7706n]);
  });

  it('keeps every balance right through interleaved, back-dated batches over many accounts', async () => {
    const accounts = [await account(), await account(), await account(), await account()];
    const random = seeded(42);
    const base = Date.parse('2026-11-01T00:00:00Z');
    let stored = 0;
    for (let batch = 0; batch < 25; batch++) {
      const entries: NewLedgerEntry[] = [];
      for (let i = 0; i < 40; i++) {
        entries.push({
          accountId: accounts[Math.floor(random() * accounts.length)],
          entryRef: `b${batch}-${i}`,
          amount: BigInt(Math.floor(random() * 2_000_000) - 1_000_000),
          // Whole minutes within 10 days, so equal times happen too.
          postedAt: new Date(base + Math.floor(random() * 14_400) * 60_000),
        });
      }
      const result = await appendLedgerEntries(ds, entries);
      expect(result.inserted).toBe(40);
      stored += 40;
      expect(await wrongBalances(ds)).toEqual([]);
    }
    const [{ count }] = await ds.query(
      `SELECT count(*)::int AS count FROM ledger_entries WHERE account_id = ANY($1::bigint[])`,
      [accounts],
    );
    expect(count).toBe(stored);
  });

  it('adds nothing when the same batch is sent again', async () => {
    const a = await account();
    const batch = [
      e(a, 'r1', 100n, '2026-11-21T10:00:00Z'),
      e(a, 'r2', 200n, '2026-11-21T11:00:00Z'),
    ];
    await appendLedgerEntries(ds, batch);
    const before = await entriesOf(ds, a);
    expect(await appendLedgerEntries(ds, batch)).toEqual({
      inserted: 0,
      duplicates: 2,
      conflicts: [],
      rebalanced: 0,
      outOfRange: [],
    });
    expect(await entriesOf(ds, a)).toEqual(before);
  });

  it('reports a reference re-sent with another amount or time and never overwrites it', async () => {
    const a = await account();
    await appendLedgerEntries(ds, [e(a, 'c1', 100n, '2026-11-21T10:00:00Z')]);
    const result = await appendLedgerEntries(ds, [
      e(a, 'c1', 999n, '2026-11-21T10:00:00Z'),
      e(a, 'c2', 5n, '2026-11-21T12:00:00Z'),
      e(a, 'c1', 100n, '2026-11-21T10:00:01Z'),
      e(a, 'c2', 5n, '2026-11-21T12:00:00Z'),
      e(a, 'c2', 6n, '2026-11-21T12:00:00Z'),
    ]);
    expect(result.inserted).toBe(1);
    expect(result.duplicates).toBe(1);
    expect(result.conflicts).toEqual([
      {
        index: 0,
        accountId: a,
        entryRef: 'c1',
        existingAmount: 100n,
        newAmount: 999n,
        existingPostedAt: new Date('2026-11-21T10:00:00Z'),
        newPostedAt: new Date('2026-11-21T10:00:00Z'),
        existingIn: 'ledger',
      },
      {
        index: 2,
        accountId: a,
        entryRef: 'c1',
        existingAmount: 100n,
        newAmount: 100n,
        existingPostedAt: new Date('2026-11-21T10:00:00Z'),
        newPostedAt: new Date('2026-11-21T10:00:01Z'),
        existingIn: 'ledger',
      },
      {
        index: 4,
        accountId: a,
        entryRef: 'c2',
        existingAmount: 5n,
        newAmount: 6n,
        existingPostedAt: new Date('2026-11-21T12:00:00Z'),
        newPostedAt: new Date('2026-11-21T12:00:00Z'),
        existingIn: 'batch',
      },
    ]);
    expect(await ledger(a)).toEqual([
      ['c1', 100n, 100n],
      ['c2', 5n, 105n],
    ]);
  });

  it('stores nothing of a conflicting batch with onConflict: rollback', async () => {
    const a = await account();
    await appendLedgerEntries(ds, [e(a, 'x1', 100n, '2026-11-21T10:00:00Z')]);
    const result = await appendLedgerEntries(
      ds,
      [e(a, 'x2', 1n, '2026-11-21T11:00:00Z'), e(a, 'x1', 101n, '2026-11-21T10:00:00Z')],
      { onConflict: 'rollback' },
    );
    expect(result.inserted).toBe(0);
    expect(
      result.conflicts.map((c) => [c.index, c.entryRef, c.existingAmount, c.newAmount]),
    ).toEqual([[1, 'x1', 100n, 101n]]);
    expect(await ledger(a)).toEqual([['x1', 100n, 100n]]);
  });

  it('refuses unknown account ids and stores nothing of the batch', async () => {
    const a = await account();
    const attempt = appendLedgerEntries(ds, [
      e(a, 'u1', 1n, '2026-11-21T10:00:00Z'),
      e('999999999', 'u2', 1n, '2026-11-21T10:00:00Z'),
    ]);
    await expect(attempt).rejects.toThrow(UnknownAccountError);
    await expect(attempt).rejects.toThrow('unknown provider account id(s): 999999999');
    expect(await entriesOf(ds, a)).toEqual([]);
  });

  it('refuses malformed input before touching the database', async () => {
    const a = await account();
    await expect(
      appendLedgerEntries(ds, [
        e(a, 'ok', 1n, '2026-11-21T10:00:00Z'),
        e(a, '', 1n, '2026-11-21T10:00:00Z'),
      ]),
    ).rejects.toThrow('entries[1].entryRef must be 1 to 128 characters');
    await expect(appendLedgerEntries(ds, [e(a, 'bad-time', 1n, 'not a date')])).rejects.toThrow(
      'entries[0].postedAt must be a valid Date in years 1000 to 9999',
    );
    expect(await appendLedgerEntries(ds, [])).toEqual({
      inserted: 0,
      duplicates: 0,
      conflicts: [],
      rebalanced: 0,
      outOfRange: [],
    });
  });

  it('keeps balances right under concurrent appends to the same accounts', async () => {
    const a = await account();
    const b = await account();
    const random = seeded(7);
    const base = Date.parse('2026-11-21T00:00:00Z');
    const batches = Array.from({ length: 8 }, (_, k) =>
      Array.from({ length: 150 }, (_, i) => ({
        // Batches name the accounts in different orders: locking by id must avoid deadlocks.
        accountId: (i + k) % 2 === 0 ? a : b,
        entryRef: `k${k}-${i}`,
        amount: BigInt(Math.floor(random() * 100_000) - 40_000),
        // Half in order, half back-dated into the history of the others.
        postedAt: new Date(
          base + (i % 2 === 0 ? k * 1_000_000 + i * 1000 : Math.floor(random() * 8_000_000)),
        ),
      })),
    );
    const results = await Promise.all(batches.map((batch) => appendLedgerEntries(ds, batch)));
    expect(results.map((r) => r.inserted)).toEqual(new Array(8).fill(150));
    expect(await wrongBalances(ds)).toEqual([]);
    const total = batches.flat().reduce((sum, x) => sum + x.amount, 0n);
    const last = [...(await entriesOf(ds, a)), ...(await entriesOf(ds, b))];
    expect(last.length).toBe(1200);
    const balanceA = (await entriesOf(ds, a)).at(-1)!.balanceAfter;
    const balanceB = (await entriesOf(ds, b)).at(-1)!.balanceAfter;
    expect(balanceA + balanceB).toBe(total);
  });

  it('stores a batch sent twice at the same time once: the second sees the first as duplicates', async () => {
    const a = await account();
    const b = await account();
    const batch = Array.from({ length: 500 }, (_, i) =>
      e(
        i % 2 ? a : b,
        `twice-${i}`,
        BigInt(i),
        new Date(Date.UTC(2026, 10, 21, 0, 0, i)).toISOString(),
      ),
    );
    const results = await Promise.all([
      appendLedgerEntries(ds, batch),
      appendLedgerEntries(ds, [...batch].reverse()),
    ]);
    expect(results.map((r) => [r.inserted, r.duplicates, r.conflicts.length]).sort()).toEqual([
      [0, 500, 0],
      [500, 0, 0],
    ]);
    expect((await entriesOf(ds, a)).length + (await entriesOf(ds, b)).length).toBe(500);
    expect(await wrongBalances(ds)).toEqual([]);
  });
});
