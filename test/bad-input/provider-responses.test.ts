import { formatAmount } from '@app/snap';
import { RunsService } from '@app/reconciliation';
import type { ScenarioAccount } from '../../apps/cli/src/demo/demo-scenario';
import type { FaultSpec } from '../../apps/snap-simulator/src';
import { Pipeline, startPipeline } from '../support/pipeline';
import { testConfig } from '../support/test-config';
import { storedState, StoredState } from './stored-state';

/**
 * Malformed provider answers, served by the simulator over real HTTP (its `raw` fault sends
 * any body) to the real worker, queues and Postgres. A first run with every answer right
 * stores results; then each bad account gets its bad answer in a second run. Each case: the
 * account ends with one final result naming the field and the value, the other accounts are
 * reconciled as usual, and nothing stored before (ledger, first run) changes.
 */
const ATTEMPTS = 2;

interface Case {
  name: string;
  /** The fault the account answers with in the second run; none = the case is its balance. */
  fault?: FaultSpec;
  /** Provider balance (both runs) when it is not the ledger's. */
  balance?: string;
  /** Ledger entries (amounts) when not the default single credit. */
  ledger?: bigint[];
  expected: { status: string; attempts: number; message?: string[]; providerBalance?: string };
}

const ok = (value: unknown, currency: unknown = 'IDR', extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    responseCode: '2001100',
    responseMessage: 'Successful',
    accountInfos: [{ availableBalance: { value, currency } }],
    ...extra,
  });
const raw = (body: string, status = 200, contentType = 'application/json'): FaultSpec => ({
  kind: 'raw',
  body,
  status,
  contentType,
});
const amountCase = (
  name: string,
  value: unknown,
  reason = 'is not an amount of the form -?digits.dd',
): Case => ({
  name,
  fault: raw(ok(value)),
  expected: {
    status: 'error',
    attempts: 1,
    message: ['accountInfos[0].availableBalance.value', JSON.stringify(value), reason],
  },
});
const HUGE_PADDING = 'x'.repeat(2 * 1024 * 1024);

const CASES: Case[] = [
  {
    name: 'not JSON (a gateway HTML 502): retried, then an error quoting the body',
    fault: { kind: 'non-json' },
    expected: {
      status: 'error',
      attempts: ATTEMPTS,
      message: ['response body is not JSON (HTTP 502', '"<html><head><title>502 Bad Gateway'],
    },
  },
  {
    name: 'HTML error page with HTTP 200: retried, then an error quoting the page',
    fault: raw(
      '<!DOCTYPE html><html><body><h1>Service Unavailable</h1></body></html>',
      200,
      'text/html',
    ),
    expected: {
      status: 'error',
      attempts: ATTEMPTS,
      message: [
        'response body is not JSON (HTTP 200',
        '"<!DOCTYPE html><html><body><h1>Service Unavailable',
      ],
    },
  },
  {
    name: 'empty body: retried, then an error saying so',
    fault: raw(''),
    expected: {
      status: 'error',
      attempts: ATTEMPTS,
      message: ['response body is not JSON (HTTP 200, got an empty body)'],
    },
  },
  {
    name: 'a JSON array instead of an object: an error naming the body and quoting it',
    fault: raw('[{"responseCode":"2001100"}]'),
    expected: {
      status: 'error',
      attempts: 1,
      message: ['response body is not a JSON object (HTTP 200, got [{"responseCode":"2001100"}])'],
    },
  },
  {
    name: 'missing responseCode: an error naming responseCode',
    fault: raw(
      JSON.stringify({
        responseMessage: 'Successful',
        accountInfos: [{ availableBalance: { value: '1.00', currency: 'IDR' } }],
      }),
    ),
    expected: {
      status: 'error',
      attempts: 1,
      message: ['responseCode undefined is not a 7-digit SNAP code'],
    },
  },
  {
    name: 'unknown response code (4001199): permanent by its HTTP class, the message says it is unlisted',
    fault: { kind: 'code', responseCode: '4001199' },
    expected: {
      status: 'error',
      attempts: 1,
      message: ['answered 4001199', 'responseCode 4001199 is not a code PROTOCOL.md lists'],
    },
  },
  amountCase('value with one decimal ("100.5")', '100.5'),
  amountCase('value with three decimals ("100.500")', '100.500'),
  amountCase('value with comma separators ("1,000,000.00")', '1,000,000.00'),
  amountCase('value with an exponent ("1.5e6")', '1.5e6'),
  amountCase(
    'value with 20 integer digits',
    '12345678901234567890.00',
    'has 20 digits before the point; a SNAP amount has at most 16 (9999999999999999.99)',
  ),
  amountCase('value as a JSON number (100000)', 100000),
  {
    name: 'negative value ("-500.00"): legal in SNAP (-?digits.dd), reconciled exactly: matched against a negative ledger',
    balance: '-500.00',
    ledger: [10_000n, -60_000n],
    expected: { status: 'matched', attempts: 1, providerBalance: '-50000' },
  },
  {
    name: 'currency not IDR: an error naming the currency field, its value and the account currency',
    fault: raw(ok('100.00', 'USD')),
    expected: {
      status: 'error',
      attempts: 1,
      message: [
        'accountInfos[0].availableBalance.currency "USD" is not the account\'s currency "IDR"',
      ],
    },
  },
  {
    name: 'accountInfos empty: an error naming accountInfos and []',
    fault: raw(
      JSON.stringify({ responseCode: '2001100', responseMessage: 'Successful', accountInfos: [] }),
    ),
    expected: {
      status: 'error',
      attempts: 1,
      message: ['accountInfos [] is not a list of balances'],
    },
  },
  {
    name: 'accountInfos missing: an error naming accountInfos',
    fault: { kind: 'no-balance' },
    expected: {
      status: 'error',
      attempts: 1,
      message: ['accountInfos is missing'],
    },
  },
  {
    name: 'huge body (2 MiB of valid JSON): not read past 1 MiB, an error naming the body size limit',
    fault: raw(ok('100.00', 'IDR', { additionalInfo: { padding: HUGE_PADDING } })),
    expected: {
      status: 'error',
      attempts: 1,
      message: ['balance-inquiry response body is larger than 1048576 bytes (HTTP 200)'],
    },
  },
];

/** Good accounts around the bad ones: they must be reconciled as usual. */
const GOOD = 6;

function scenario(now: Date): ScenarioAccount[] {
  const make = (i: number, c?: Case): ScenarioAccount => {
    const n = String(i + 1).padStart(5, '0');
    const amounts = c?.ledger ?? [1_000_000n + BigInt(i)];
    const ledgerBalance = amounts.reduce((a, b) => a + b, 0n);
    return {
      merchantId: `MBAD${n}`,
      merchantName: `Toko ${n}`,
      provider: 'nicepay',
      accountNo: `NP${n}`,
      credentialSet: null,
      ledger: amounts.map((amount, k) => ({
        entryRef: `MBAD${n}-${k}`,
        amount,
        postedAt: new Date(now.getTime() - (amounts.length - k) * 3_600_000),
      })),
      simulated: { balance: c?.balance ?? formatAmount(ledgerBalance) },
      kind: 'matched',
      expected: { status: 'matched', difference: 0n, attempts: 1 },
    };
  };
  return [
    ...CASES.map((c, i) => make(i, c)),
    ...Array.from({ length: GOOD }, (_, g) => make(CASES.length + g)),
  ];
}

interface ResultRow {
  account_no: string;
  status: string;
  is_final: boolean;
  attempts: number;
  provider_balance: string | null;
  error_message: string | null;
}

describe('bad input: provider responses (simulator over HTTP → worker → Postgres)', () => {
  const config = testConfig({
    JOB_ATTEMPTS: String(ATTEMPTS),
    JOB_BACKOFF_MS: '50',
    JOB_BACKOFF_JITTER: '0',
    SNAP_READ_TIMEOUT_MS: '3000',
    WORKER_CONCURRENCY: '10',
  });
  let pipeline: Pipeline;
  let firstRun: string;
  let secondRun: string;
  let storedBefore: StoredState;
  let firstResultsBefore: ResultRow[];
  let results: Map<string, ResultRow[]>;

  const resultsOf = async (runId: string): Promise<ResultRow[]> =>
    pipeline.db.dataSource.query(
      `SELECT a.account_no, r.status, r.is_final, r.attempts, r.provider_balance, r.error_message
         FROM reconciliation_results r JOIN provider_accounts a ON a.id = r.account_id
        WHERE r.run_id = $1 ORDER BY a.account_no`,
      [runId],
    );

  beforeAll(async () => {
    pipeline = await startPipeline(config, { scenario: scenario(new Date()) });
    const runs = pipeline.producer.get(RunsService);
    firstRun = (await runs.start('cli')).runId;
    await pipeline.waitForRun(firstRun, 60_000);
    firstResultsBefore = await resultsOf(firstRun);
    storedBefore = await storedState(pipeline.db.dataSource);
    CASES.forEach((c, i) => {
      if (c.fault)
        pipeline.simulator.patchAccount('nicepay', `NP${String(i + 1).padStart(5, '0')}`, {
          faults: [c.fault],
        });
    });
    secondRun = (await runs.start('cli')).runId;
    await pipeline.waitForRun(secondRun, 60_000);
    results = new Map();
    for (const row of await resultsOf(secondRun))
      results.set(row.account_no, [...(results.get(row.account_no) ?? []), row]);
  }, 120_000);

  afterAll(() => pipeline?.close());

  it('the first run, with every answer right, matched every account', () => {
    expect(firstResultsBefore).toHaveLength(CASES.length + GOOD);
    expect(firstResultsBefore.filter((r) => r.status !== 'matched')).toEqual([]);
  });

  it.each(CASES.map((c, i) => [c.name, i, c] as const))('%s', async (_name, i, c) => {
    const accountNo = `NP${String(i + 1).padStart(5, '0')}`;
    const rows = results.get(accountNo) ?? [];
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect({ status: row.status, final: row.is_final, attempts: row.attempts }).toEqual({
      status: c.expected.status,
      final: true,
      attempts: c.expected.attempts,
    });
    for (const part of c.expected.message ?? []) expect(row.error_message).toContain(part);
    if (c.expected.providerBalance) expect(row.provider_balance).toBe(c.expected.providerBalance);
    // The error is bounded: a huge answer never lands in the database whole.
    expect((row.error_message ?? '').length).toBeLessThan(1_000);
    // The first run's result of this account is as it was.
    expect((await resultsOf(firstRun)).find((r) => r.account_no === accountNo)).toEqual(
      firstResultsBefore.find((r) => r.account_no === accountNo),
    );
  });

  it('nothing stored was lost: the ledger and the first run are unchanged; the good accounts matched; one result per account', async () => {
    const now = await storedState(pipeline.db.dataSource);
    expect({
      merchants: now.merchants,
      accounts: now.provider_accounts,
      ledger: now.ledger_entries,
    }).toEqual({
      merchants: storedBefore.merchants,
      accounts: storedBefore.provider_accounts,
      ledger: storedBefore.ledger_entries,
    });
    expect(await resultsOf(firstRun)).toEqual(firstResultsBefore);
    expect(results.size).toBe(CASES.length + GOOD);
    const good = [...results.values()]
      .flat()
      .filter((r) => Number(r.account_no.slice(2)) > CASES.length);
    expect(good.map((r) => r.status)).toEqual(Array(GOOD).fill('matched'));
    const run = await pipeline.waitForRun(secondRun);
    expect({ status: run.status, completed: run.completedCount }).toEqual({
      status: 'finished',
      completed: CASES.length + GOOD,
    });
  });
});
