import type { DataSource } from 'typeorm';
import { ledgerEntriesRepository } from '@app/ledger';
import { BEYOND_2_53, createAccounts, useTestDatabase } from './repository-fixtures';

const at = (iso: string) => new Date(iso);

/** Inserts entries with running balances computed here, ids from the sequence. */
async function insert(
  ds: DataSource,
  accountId: string,
  entries: { ref: string; amount: bigint; at: string; providerRef?: string }[],
): Promise<void> {
  const ids = await ledgerEntriesRepository.reserveEntryIds(ds, entries.length);
  let balance = 0n;
  await ledgerEntriesRepository.insertEntries(
    ds,
    entries.map((e, i) => {
      balance += e.amount;
      return {
        id: ids[i],
        accountId,
        entryRef: e.ref,
        amount: e.amount,
        postedAt: at(e.at),
        balanceAfter: balance,
        providerRef: e.providerRef ?? null,
      };
    }),
  );
}

describe('ledger entries repository (real Postgres)', () => {
  const db = useTestDatabase();

  it('round-trips money beyond 2^53 exactly, in amounts and running balances', async () => {
    const [id] = await createAccounts(db(), ['BIG-1']);
    await insert(db(), id, [
      { ref: 'e1', amount: BEYOND_2_53, at: '2026-01-01T00:00:00Z' },
      { ref: 'e2', amount: 2n, at: '2026-01-01T00:01:00Z', providerRef: 'P-2' },
    ]);
    expect(await ledgerEntriesRepository.balanceAsOf(db(), id, at('2026-01-01T00:00:30Z'))).toBe(
      BEYOND_2_53,
    );
    expect(await ledgerEntriesRepository.balanceAsOf(db(), id, at('2026-01-02T00:00:00Z'))).toBe(
      BEYOND_2_53 + 2n,
    );
    expect(await ledgerEntriesRepository.balanceAsOf(db(), id, at('2025-12-31T00:00:00Z'))).toBe(
      0n,
    );
    expect(
      await ledgerEntriesRepository.findStoredEntries(db(), [
        { accountId: id, entryRef: 'e1' },
        { accountId: id, entryRef: 'missing' },
      ]),
    ).toEqual([
      { accountId: id, entryRef: 'e1', amount: BEYOND_2_53, postedAt: at('2026-01-01T00:00:00Z') },
    ]);
    expect(await ledgerEntriesRepository.latestEntries(db(), [id, '999999999'])).toEqual(
      expect.arrayContaining([
        { accountId: id, postedAt: at('2026-01-01T00:01:00Z'), balanceAfter: BEYOND_2_53 + 2n },
        { accountId: '999999999', postedAt: null, balanceAfter: null },
      ]),
    );
    const e1 = {
      entryRef: 'e1',
      providerRef: null,
      postedAt: at('2026-01-01T00:00:00Z'),
      amount: BEYOND_2_53,
    };
    const e2 = {
      entryRef: 'e2',
      providerRef: 'P-2',
      postedAt: at('2026-01-01T00:01:00Z'),
      amount: 2n,
    };
    expect(
      await ledgerEntriesRepository.entriesBetweenMany(
        db(),
        [{ accountId: id, from: at('2025-12-31T00:00:00Z'), to: at('2026-01-02T00:00:00Z') }],
        10,
      ),
    ).toEqual([[e1, e2]]);
    // Several windows in one statement, in order: from is exclusive, to inclusive, the limit
    // per window, an account without entries gets an empty list.
    expect(
      await ledgerEntriesRepository.entriesBetweenMany(
        db(),
        [
          { accountId: id, from: at('2026-01-01T00:00:00Z'), to: at('2026-01-02T00:00:00Z') },
          {
            accountId: '999999999',
            from: at('2025-12-31T00:00:00Z'),
            to: at('2026-01-02T00:00:00Z'),
          },
          { accountId: id, from: at('2025-12-31T00:00:00Z'), to: at('2026-01-01T00:00:00Z') },
        ],
        10,
      ),
    ).toEqual([[e2], [], [e1]]);
    expect(
      await ledgerEntriesRepository.entriesBetweenMany(
        db(),
        [{ accountId: id, from: at('2025-12-31T00:00:00Z'), to: at('2026-01-02T00:00:00Z') }],
        1,
      ),
    ).toEqual([[e1]]);
  });

  it('reads the entries back-dated before a window: posted at or before its start, stored after an instant', async () => {
    const [id] = await createAccounts(db(), ['BACKDATED-1']);
    await insert(db(), id, [
      { ref: 'old', amount: 100n, at: '2026-03-01T00:00:00Z' },
      { ref: 'in', amount: 20n, at: '2026-03-01T02:00:00Z' },
    ]);
    // The instant after which the window's back-dated entries were stored.
    const pause = () => new Promise((r) => setTimeout(r, 10));
    await pause();
    const stored = new Date();
    await pause();
    // Booked later (another transaction: a later created_at), dated before the window.
    await insert(db(), id, [{ ref: 'late', amount: -5n, at: '2026-03-01T00:30:00Z' }]);
    const window = {
      accountId: id,
      from: at('2026-03-01T01:00:00Z'),
      to: at('2026-03-01T03:00:00Z'),
    };
    const inWindow = {
      entryRef: 'in',
      providerRef: null,
      postedAt: at('2026-03-01T02:00:00Z'),
      amount: 20n,
    };
    expect(
      await ledgerEntriesRepository.entriesBetweenMany(
        db(),
        [
          window,
          {
            ...window,
            backdated: { storedAfter: stored, postedAfter: at('2026-03-01T00:00:00Z') },
          },
          { ...window, backdated: null },
          // Posted before the scan's lower bound: not looked for.
          {
            ...window,
            backdated: { storedAfter: stored, postedAfter: at('2026-03-01T00:45:00Z') },
          },
        ],
        10,
      ),
    ).toEqual([
      [inWindow],
      [
        {
          entryRef: 'late',
          providerRef: null,
          postedAt: at('2026-03-01T00:30:00Z'),
          amount: -5n,
          backdated: true,
        },
        inWindow,
      ],
      [inWindow],
      [inWindow],
    ]);
  });

  it('reads snapshots: the lone-request statement and the batched one agree', async () => {
    const [a, b] = await createAccounts(db(), ['SNAP-A', 'SNAP-B']);
    await insert(db(), a, [
      { ref: 'a1', amount: 100n, at: '2026-02-01T00:00:00Z' },
      { ref: 'a2', amount: 20n, at: '2026-02-01T00:09:00Z' },
      { ref: 'a3', amount: 3n, at: '2026-02-01T00:09:30Z' },
      // After the instant, until the answer arrived (00:10:45): each is read, newest first.
      { ref: 'a4', amount: 4n, at: '2026-02-01T00:10:10Z' },
      { ref: 'a5', amount: 5n, at: '2026-02-01T00:10:40Z' },
      // After the answer arrived: never.
      { ref: 'a6', amount: 6n, at: '2026-02-01T00:11:00Z' },
    ]);
    const requests = [a, b].map((accountId) => ({
      accountId,
      asOf: at('2026-02-01T00:10:00Z'),
      windowStart: at('2026-02-01T00:05:00Z'),
      answeredAt: at('2026-02-01T00:10:45Z'),
    }));
    const row = (
      balanceAfter: bigint,
      part: ledgerEntriesRepository.SnapshotPart,
      time: string,
    ) => ({
      balanceAfter,
      part,
      postedAt: at(`2026-02-01T${time}Z`),
    });
    const batched = await ledgerEntriesRepository.readSnapshotBalances(db(), requests, 500);
    const asOfRows = [
      row(123n, 'window', '00:09:30'),
      row(120n, 'window', '00:09:00'),
      row(100n, 'before', '00:00:00'),
    ];
    expect(batched).toEqual([
      [row(132n, 'answering', '00:10:40'), row(127n, 'answering', '00:10:10'), ...asOfRows],
      [],
    ]);
    const lone = await ledgerEntriesRepository.readSnapshotBalances(db(), [requests[0]], 500);
    expect(lone).toEqual([batched[0]]);
    // The window and the entries after the instant are read at most this far each, the newest.
    const capped = await ledgerEntriesRepository.readSnapshotBalances(db(), [requests[0]], 1);
    expect(capped).toEqual([
      [
        row(132n, 'answering', '00:10:40'),
        row(123n, 'window', '00:09:30'),
        row(100n, 'before', '00:00:00'),
      ],
    ]);
    // No answer time: nothing after the instant, lone or batched.
    const noAnswer = { ...requests[0], answeredAt: null };
    for (const batch of [[noAnswer], [noAnswer, requests[1]]])
      expect((await ledgerEntriesRepository.readSnapshotBalances(db(), batch, 500))[0]).toEqual(
        asOfRows,
      );
  });

  it("lists each run's window, newest first, capped per window", async () => {
    const [id] = await createAccounts(db(), ['WIN-1']);
    await insert(db(), id, [
      { ref: 'w1', amount: 5n, at: '2026-03-01T00:00:00Z' },
      { ref: 'w2', amount: 7n, at: '2026-03-01T00:00:50Z' },
      { ref: 'w3', amount: 11n, at: '2026-03-01T00:01:40Z' },
    ]);
    const entries = await ledgerEntriesRepository.entriesInWindows(
      db(),
      id,
      [
        { runId: '1', asOf: at('2026-03-01T00:01:00Z') },
        { runId: '2', asOf: at('2026-03-01T00:02:00Z') },
      ],
      60,
      1,
    );
    expect(entries).toEqual([
      {
        runId: '2',
        entryRef: 'w3',
        amount: 11n,
        postedAt: at('2026-03-01T00:01:40Z'),
        balanceAfter: 23n,
      },
      {
        runId: '1',
        entryRef: 'w2',
        amount: 7n,
        postedAt: at('2026-03-01T00:00:50Z'),
        balanceAfter: 12n,
      },
    ]);
    expect(await ledgerEntriesRepository.entriesInWindows(db(), id, [], 60, 1)).toEqual([]);
  });

  it('recomputes a back-dated tail and counts only the entries stored before', async () => {
    const [id] = await createAccounts(db(), ['TAIL-1']);
    await insert(db(), id, [
      { ref: 't1', amount: 10n, at: '2026-04-01T00:00:00Z' },
      { ref: 't3', amount: 30n, at: '2026-04-01T00:03:00Z' },
    ]);
    const [newId] = await ledgerEntriesRepository.reserveEntryIds(db(), 1);
    // A back-dated entry inserted with a provisional balance.
    await ledgerEntriesRepository.insertEntries(db(), [
      {
        id: newId,
        accountId: id,
        entryRef: 't2',
        amount: BEYOND_2_53,
        postedAt: at('2026-04-01T00:02:00Z'),
        balanceAfter: 0n,
        providerRef: null,
      },
    ]);
    const rebalanced = await db().transaction((tx) =>
      ledgerEntriesRepository.recomputeTails(tx, {
        accountIds: [id],
        fromTimes: ['2026-04-01T00:02:00Z'],
        firstNewId: newId,
      }),
    );
    expect(rebalanced).toBe(1);
    expect(await ledgerEntriesRepository.balanceAsOf(db(), id, at('2026-04-01T00:02:30Z'))).toBe(
      10n + BEYOND_2_53,
    );
    expect(await ledgerEntriesRepository.balanceAsOf(db(), id, at('2026-04-02T00:00:00Z'))).toBe(
      40n + BEYOND_2_53,
    );
  });

  it('reserves distinct ids from the sequence', async () => {
    const ids = await ledgerEntriesRepository.reserveEntryIds(db(), 5);
    expect(new Set(ids).size).toBe(5);
    expect(ids.every((id) => /^\d+$/.test(id))).toBe(true);
  });
});
