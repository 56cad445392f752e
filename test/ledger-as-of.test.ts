import { balanceAsOf, ledgerSnapshot } from '@app/ledger';
import { createTestDatabase } from './support/test-database';
import { testConfig } from './support/test-config';

describe('ledger balance as of an instant', () => {
  const config = testConfig();
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let accountId: string;

  beforeAll(async () => {
    db = await createTestDatabase(config);
    await db.dataSource.query(`INSERT INTO merchants (id, name) VALUES ('m1', 'Toko Satu')`);
    [{ id: accountId }] = await db.dataSource.query(
      `INSERT INTO provider_accounts (merchant_id, provider, account_no) VALUES ('m1', 'netzme', 'acc1') RETURNING id`,
    );
    // +100.00 at 10:00, -30.00 at 10:10, +5.00 at 10:12 (running balances 10000, 7000, 7500)
    await db.dataSource.query(
      `INSERT INTO ledger_entries (account_id, entry_ref, amount, posted_at, balance_after) VALUES
        ($1, 'e1', 10000, '2026-11-21T10:00:00Z', 10000),
        ($1, 'e2', -3000, '2026-11-21T10:10:00Z', 7000),
        ($1, 'e3', 500, '2026-11-21T10:12:00Z', 7500)`,
      [accountId],
    );
  });
  afterAll(() => db.drop());

  it('is 0 before the first entry and the running balance after each entry', async () => {
    expect(await balanceAsOf(db.dataSource, accountId, new Date('2026-11-21T09:59:59Z'))).toBe(0n);
    expect(await balanceAsOf(db.dataSource, accountId, new Date('2026-11-21T10:00:00Z'))).toBe(
      10000n,
    );
    expect(await balanceAsOf(db.dataSource, accountId, new Date('2026-11-21T10:11:00Z'))).toBe(
      7000n,
    );
    expect(await balanceAsOf(db.dataSource, accountId, new Date('2026-11-22T00:00:00Z'))).toBe(
      7500n,
    );
  });

  it('lists the balances before each entry inside the in-flight window, newest first', async () => {
    const snap = await ledgerSnapshot(
      db.dataSource,
      accountId,
      new Date('2026-11-21T10:13:00Z'),
      5 * 60_000,
    );
    expect(snap).toEqual({
      balance: 7500n,
      previousBalances: [7000n, 10000n],
      postedAt: [new Date('2026-11-21T10:12:00Z'), new Date('2026-11-21T10:10:00Z')],
      inFlightEntries: 2,
      duringRequest: [],
    });
  });

  it('treats a history that starts inside the window as starting from 0', async () => {
    const snap = await ledgerSnapshot(
      db.dataSource,
      accountId,
      new Date('2026-11-21T10:01:00Z'),
      5 * 60_000,
    );
    expect(snap).toEqual({
      balance: 10000n,
      previousBalances: [0n],
      postedAt: [new Date('2026-11-21T10:00:00Z')],
      inFlightEntries: 1,
      duringRequest: [],
    });
  });

  it('lists the balances after each entry posted after the instant until the answer arrived, newest first', async () => {
    const snap = await ledgerSnapshot(
      db.dataSource,
      accountId,
      new Date('2026-11-21T10:01:00Z'),
      5 * 60_000,
      new Date('2026-11-21T10:12:30Z'),
    );
    expect(snap.balance).toBe(10000n);
    expect(snap.duringRequest).toEqual([
      { balance: 7500n, at: new Date('2026-11-21T10:12:00Z') },
      { balance: 7000n, at: new Date('2026-11-21T10:10:00Z') },
    ]);
    // Not after the answer arrived.
    const early = await ledgerSnapshot(
      db.dataSource,
      accountId,
      new Date('2026-11-21T10:01:00Z'),
      5 * 60_000,
      new Date('2026-11-21T10:11:00Z'),
    );
    expect(early.duringRequest).toEqual([{ balance: 7000n, at: new Date('2026-11-21T10:10:00Z') }]);
  });

  it('an instant before the first entry: balance 0, the first entry only after it', async () => {
    const snap = await ledgerSnapshot(
      db.dataSource,
      accountId,
      new Date('2026-11-21T09:59:00Z'),
      5 * 60_000,
      new Date('2026-11-21T10:05:00Z'),
    );
    expect(snap).toEqual({
      balance: 0n,
      previousBalances: [],
      postedAt: [],
      inFlightEntries: 0,
      duringRequest: [{ balance: 10000n, at: new Date('2026-11-21T10:00:00Z') }],
    });
  });

  it('of several entries posted at the same instant after the instant, only the balance after the last', async () => {
    await db.dataSource.query(
      `INSERT INTO ledger_entries (account_id, entry_ref, amount, posted_at, balance_after) VALUES
        ($1, 'e4', 100, '2026-11-21T10:20:00Z', 7600),
        ($1, 'e5', 200, '2026-11-21T10:20:00Z', 7800)`,
      [accountId],
    );
    const snap = await ledgerSnapshot(
      db.dataSource,
      accountId,
      new Date('2026-11-21T10:15:00Z'),
      5 * 60_000,
      new Date('2026-11-21T10:21:00Z'),
    );
    expect(snap.duringRequest).toEqual([{ balance: 7800n, at: new Date('2026-11-21T10:20:00Z') }]);
  });
});
