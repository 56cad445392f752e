import {
  ingestLedgerBatch,
  LedgerBatchEntry,
  ledgerBatchSchema,
  validateLedgerBatch,
} from '@app/ledger';
import { createTestDatabase } from '../support/test-database';
import { testConfig } from '../support/test-config';
import { createAccount, entriesOf } from './ledger-helpers';

const entry = (over: Record<string, unknown> = {}) => ({
  provider: 'netzme',
  accountNo: 'api1',
  entryRef: 'r1',
  amount: '100.00',
  postedAt: '2026-11-21T10:00:00+07:00',
  ...over,
});

/** Validates a body that must be valid and returns its entries. */
function valid(body: unknown): LedgerBatchEntry[] {
  const v = validateLedgerBatch(body);
  if (!v.ok) throw new Error(v.errors.map((e) => e.message).join('; '));
  return v.entries;
}

describe('validateLedgerBatch', () => {
  it('returns typed entries: bigint minor units and instants', () => {
    expect(
      valid({
        entries: [
          entry(),
          entry({ entryRef: 'r2', amount: '-0.05', postedAt: '2026-11-21T03:00:00Z' }),
        ],
      }),
    ).toEqual([
      {
        provider: 'netzme',
        accountNo: 'api1',
        entryRef: 'r1',
        amount: 10000n,
        postedAt: new Date('2026-11-21T03:00:00Z'),
      },
      {
        provider: 'netzme',
        accountNo: 'api1',
        entryRef: 'r2',
        amount: -5n,
        postedAt: new Date('2026-11-21T03:00:00Z'),
      },
    ]);
  });

  it('names index, field, value and reason of every bad entry', () => {
    const result = validateLedgerBatch({
      entries: [
        entry(),
        entry({ amount: '12.5' }),
        entry({ amount: 100 }),
        entry({ postedAt: '2026-11-21T10:00:00' }),
        entry({ provider: 'ovo', accountNo: 'a b' }),
        entry({ extra: true }),
        { provider: 'netzme', accountNo: 'api1', amount: '1.00', postedAt: '2026-11-21T10:00:00Z' },
        'not an entry',
        entry({ amount: '1e3' }),
      ],
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => [e.index, e.field, e.value, e.code])).toEqual([
      [1, 'amount', '12.5', 'invalid'],
      [2, 'amount', 100, 'invalid'],
      [3, 'postedAt', '2026-11-21T10:00:00', 'invalid'],
      [4, 'provider', 'ovo', 'invalid'],
      [4, 'accountNo', 'a b', 'invalid'],
      [5, 'extra', true, 'invalid'],
      [6, 'entryRef', undefined, 'invalid'],
      [7, '(entry)', 'not an entry', 'invalid'],
      [8, 'amount', '1e3', 'invalid'],
    ]);
    expect(result.errors.map((e) => e.message)).toEqual([
      'entries[1].amount "12.5": must be a decimal with exactly two places and no separators, like 1000.00 or -12.50',
      'entries[2].amount 100: must be a string',
      'entries[3].postedAt "2026-11-21T10:00:00": has no time zone; add Z or an offset like +07:00',
      'entries[4].provider "ovo": must be one of netzme, nicepay, finnet, midtrans',
      'entries[4].accountNo "a b": must be 1 to 64 letters, digits, ".", "_" or "-"',
      'entries[5].extra true: is not a known field',
      'entries[6].entryRef (missing): is required',
      'entries[7].(entry) "not an entry": must be an object',
      'entries[8].amount "1e3": must be a decimal with exactly two places and no separators, like 1000.00 or -12.50',
    ]);
  });

  it('refuses a body that is not {entries: [1..10000]}', () => {
    const errorsOf = (body: unknown) => {
      const v = validateLedgerBatch(body);
      return v.ok ? [] : v.errors.map((e) => [e.index, e.field, e.value, e.reason]);
    };
    expect(errorsOf(null)).toEqual([
      [null, 'body', null, 'must be a JSON object with an entries array'],
    ]);
    expect(errorsOf({ entries: [] })).toEqual([
      [null, 'entries', '0 entries', 'must hold 1 to 10000 entries; split larger batches'],
    ]);
    expect(errorsOf({ entries: new Array(10_001).fill(entry()) })).toEqual([
      [null, 'entries', '10001 entries', 'must hold 1 to 10000 entries; split larger batches'],
    ]);
    expect(errorsOf({ entries: [entry()], dryRun: true })).toEqual([
      [null, 'dryRun', true, 'is not a known field'],
    ]);
    expect(errorsOf({ items: [] })).toEqual([
      [null, 'items', '[]', 'is not a known field'],
      [null, 'entries', undefined, 'must be an array of entries'],
    ]);
    expect(valid({ entries: new Array(10_000).fill(entry()) })).toHaveLength(10_000);
  });

  it('agrees with the exported zod schema', () => {
    const bodies = [
      { entries: [entry(), entry({ entryRef: 'r2', amount: '-1.00' })] },
      { entries: [entry({ amount: '12.5' })] },
      { entries: [entry({ postedAt: '2026-11-21T10:00:00' })] },
      { entries: [entry({ provider: 'ovo' })] },
      { entries: [entry({ extra: 1 })] },
      { entries: [entry({ amount: 1 })] },
      { entries: [] },
      { entries: [entry()], more: 1 },
    ];
    for (const body of bodies) {
      const zod = ledgerBatchSchema.safeParse(body);
      const ours = validateLedgerBatch(body);
      expect([JSON.stringify(body), zod.success]).toEqual([JSON.stringify(body), ours.ok]);
      if (zod.success && ours.ok) expect(zod.data.entries).toEqual(ours.entries);
    }
  });

  it('accepts an identical repeat of a reference, refuses one with another amount or time', () => {
    expect(valid({ entries: [entry(), entry()] })).toHaveLength(2);
    const v = validateLedgerBatch({
      entries: [
        entry(),
        entry({ amount: '100.01' }),
        entry({ postedAt: '2026-11-21T10:00:01+07:00' }),
      ],
    });
    expect(v.ok ? [] : v.errors.map((e) => e.message)).toEqual([
      'entries[1].entryRef "r1": repeats entries[0] with another amount',
      'entries[2].entryRef "r1": repeats entries[0] with another postedAt',
    ]);
  });
});

describe('ingestLedgerBatch', () => {
  const config = testConfig();
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let ds: Awaited<ReturnType<typeof createTestDatabase>>['dataSource'];
  let accountId: string;
  const stored = async () =>
    (await entriesOf(ds, accountId)).map((e) => [e.ref, e.amount, e.balanceAfter]);

  beforeAll(async () => {
    db = await createTestDatabase(config);
    ds = db.dataSource;
    accountId = await createAccount(ds, 'api1', 'netzme');
  });
  afterAll(() => db.drop());

  it('stores a batch, and a resent batch adds nothing', async () => {
    const entries = valid({
      entries: [
        entry(),
        entry({ entryRef: 'r2', amount: '-30.00', postedAt: '2026-11-21T03:10:00Z' }),
      ],
    });
    expect(await ingestLedgerBatch(ds, entries)).toEqual({ ok: true, inserted: 2, duplicates: 0 });
    expect(await ingestLedgerBatch(ds, entries)).toEqual({ ok: true, inserted: 0, duplicates: 2 });
    expect(await stored()).toEqual([
      ['r1', 10000n, 10000n],
      ['r2', -3000n, 7000n],
    ]);
  });

  it('runs beforeCommit in the transaction: when it fails, the entries are not stored either', async () => {
    const before = await stored();
    const entries = valid({
      entries: [entry({ entryRef: 'bc1', amount: '5.00', postedAt: '2026-11-21T04:00:00Z' })],
    });
    let seen: { inserted: number; duplicates: number } | undefined;
    await expect(
      ingestLedgerBatch(ds, entries, async (tx, counts) => {
        seen = { ...counts };
        // The hook sees the batch's rows (same transaction) before they are committed.
        const [{ n }] = await tx.query(
          `SELECT count(*)::int AS n FROM ledger_entries WHERE entry_ref = 'bc1'`,
        );
        expect(n).toBe(1);
        throw new Error('audit write failed');
      }),
    ).rejects.toThrow('audit write failed');
    expect(seen).toEqual({ inserted: 1, duplicates: 0 });
    expect(await stored()).toEqual(before);
  });

  it('stores nothing when an account is unknown, naming each such entry', async () => {
    const outcome = await ingestLedgerBatch(
      ds,
      valid({
        entries: [
          entry({ entryRef: 'u1' }),
          entry({ entryRef: 'u2', accountNo: 'ghost' }),
          entry({ entryRef: 'u3', provider: 'finnet' }),
        ],
      }),
    );
    expect(outcome).toEqual({
      ok: false,
      errors: [
        {
          index: 1,
          field: 'accountNo',
          value: 'ghost',
          reason: 'no provider account netzme/ghost',
          code: 'unknown_account',
          message: 'entries[1].accountNo "ghost": no provider account netzme/ghost',
        },
        {
          index: 2,
          field: 'accountNo',
          value: 'api1',
          reason: 'no provider account finnet/api1',
          code: 'unknown_account',
          message: 'entries[2].accountNo "api1": no provider account finnet/api1',
        },
      ],
    });
    expect((await stored()).map((r) => r[0])).toEqual(['r1', 'r2']);
  });

  it('stores nothing when a reference is already recorded with another amount or time', async () => {
    const outcome = await ingestLedgerBatch(
      ds,
      valid({
        entries: [
          entry({ entryRef: 'c-new', amount: '1.00' }),
          entry({ amount: '100.01' }),
          entry({ entryRef: 'r2', amount: '-30.00', postedAt: '2026-11-21T03:10:01Z' }),
        ],
      }),
    );
    expect(outcome.ok).toBe(false);
    expect(
      outcome.ok ? [] : outcome.errors.map((e) => [e.index, e.field, e.value, e.code, e.reason]),
    ).toEqual([
      [
        1,
        'amount',
        '100.01',
        'conflict',
        'entryRef "r1" is already recorded with amount 100.00, postedAt 2026-11-21T03:00:00.000Z; a recorded entry is never overwritten',
      ],
      [
        2,
        'postedAt',
        '2026-11-21T03:10:01.000Z',
        'conflict',
        'entryRef "r2" is already recorded with amount -30.00, postedAt 2026-11-21T03:10:00.000Z; a recorded entry is never overwritten',
      ],
    ]);
    expect(await stored()).toEqual([
      ['r1', 10000n, 10000n],
      ['r2', -3000n, 7000n],
    ]);
  });
});
