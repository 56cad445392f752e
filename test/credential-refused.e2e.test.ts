import { RunsService } from '@app/reconciliation';
import { formatAmount } from '@app/snap';
import { DEMO_CLIENT_IDS, DEMO_CHANNEL_ID } from '../apps/cli/src/demo/demo-wiring';
import { generatePartnerKeys } from '../apps/cli/src/demo/partner-keys';
import { oneEntryAccount } from './support/one-entry-account';
import { startPipeline, Pipeline } from './support/pipeline';
import { testConfig } from './support/test-config';

const NICEPAY_ACCOUNTS = 6;
const BALANCE = 100_000n;

const account = (
  provider: 'netzme' | 'nicepay' | 'finnet',
  accountNo: string,
  faults: object[] = [],
) =>
  oneEntryAccount({
    provider,
    accountNo,
    ledger: BALANCE,
    simulated: { balance: formatAmount(BALANCE), faults },
    credentialSet: provider === 'finnet' ? accountNo : null,
  });

/** NICEPay holding, for our client id, the secret or public key given instead of ours. */
function nicepayHolds(
  pipeline: Pipeline,
  keys: ReturnType<typeof generatePartnerKeys>,
  held: { clientSecret?: string; publicKeyPem?: string },
): void {
  pipeline.simulator.registerPartners([
    {
      provider: 'nicepay',
      clientId: DEMO_CLIENT_IDS.nicepay,
      clientSecret: held.clientSecret ?? keys.nicepay.clientSecret,
      publicKeyPem: held.publicKeyPem ?? keys.nicepay.publicKeyPem,
      channelId: DEMO_CHANNEL_ID,
    },
  ]);
}

interface ResultRow {
  account_no: string;
  status: string;
  attempts: number;
  final: boolean;
  error_message: string | null;
}

/** Starts a run through the API, waits for it to finish, and reads its results. */
async function runResults(pipeline: Pipeline): Promise<ResultRow[]> {
  const { runId } = await pipeline.producer.get(RunsService).start('api');
  const run = await pipeline.waitForRun(runId, 30_000);
  expect(run.status).toBe('finished');
  return pipeline.db.dataSource.query(
    `SELECT a.account_no, r.status, r.attempts, r.is_final AS final, r.error_message
       FROM reconciliation_results r JOIN provider_accounts a ON a.id = r.account_id
      WHERE r.run_id = $1`,
    [runId],
  );
}

/**
 * A credential set the provider will not take is not asked again and again: NICEPay holding
 * another public key than ours refuses the signed token request (`401` Unauthorized
 * signature), then the process holds it and the other accounts fail without a request (before,
 * each sent its own); a Finnet merchant whose every token is revoked is given up after its
 * second attempt (before, JOB_ATTEMPTS: five, two balance calls and a token request each).
 */
describe('credentials the provider refuses', () => {
  const config = testConfig({
    JOB_BACKOFF_MS: '50',
    JOB_BACKOFF_JITTER: '0',
    // One job at a time: every NICEPay account after the first asks after the refusal.
    WORKER_CONCURRENCY: '1',
  });
  const keys = generatePartnerKeys();
  const scenario = [
    ...Array.from({ length: NICEPAY_ACCOUNTS }, (_, i) => account('nicepay', `NPREF${i}`)),
    account('netzme', 'NZREF0'),
    account('finnet', 'FNREVOKED', [{ kind: 'token-revoked' }]),
    account('finnet', 'FNFINE'),
  ];
  let pipeline: Pipeline;
  let rows: Map<string, { status: string; attempts: number; final: boolean; error: string }>;

  beforeAll(async () => {
    pipeline = await startPipeline(config, { scenario, keys, startWorker: false });
    // NICEPay now holds another key for our client id (rotated there, not here).
    nicepayHolds(pipeline, keys, { publicKeyPem: generatePartnerKeys().nicepay.publicKeyPem });
    pipeline.simulator.resetStats();
    await pipeline.startWorker();
    rows = new Map(
      (await runResults(pipeline)).map((r) => [
        r.account_no,
        { status: r.status, attempts: r.attempts, final: r.final, error: r.error_message ?? '' },
      ]),
    );
  }, 60_000);
  afterAll(() => pipeline?.close());

  it('NICEPay refusing our token request: one token request, every account error at its first attempt, saying why', () => {
    const nicepay = pipeline.simulator.stats().providers.nicepay;
    expect(nicepay.byKind.token.requests).toBe(1);
    expect(Object.keys(nicepay.byKind.token.byCode)).toEqual([expect.stringMatching(/^401/)]);
    expect(nicepay.byKind.balance.requests).toBe(0);
    const results = [...rows].filter(([no]) => no.startsWith('NPREF')).map(([, r]) => r);
    expect(results).toHaveLength(NICEPAY_ACCOUNTS);
    for (const r of results) {
      expect(r).toMatchObject({ status: 'error', attempts: 1, final: true });
    }
    // The first account saw the answer; the others were not sent, and say whose refusal
    // stopped them.
    const errors = results.map((r) => r.error).sort();
    expect(errors[0]).toMatch(
      /^nicepay answered 401.*; the token request of credential set 'default' is not sent again by this process before /,
    );
    for (const e of errors.slice(1)) {
      expect(e).toMatch(
        /^nicepay: not sent: its token request for credential set 'default' was refused at .*; not asked again by this process before /,
      );
    }
  });

  it('Finnet refusing a fresh token on two attempts: error after the second, not the fifth', () => {
    expect(rows.get('FNREVOKED')).toMatchObject({ status: 'error', attempts: 2, final: true });
    expect(rows.get('FNREVOKED')!.error).toMatch(
      /^finnet answered 4011101 .*; a token was rejected after its refresh on two attempts: not retried$/,
    );
    // Each attempt: the call, a refresh, the call again.
    expect(pipeline.simulator.stats().providers.finnet.byKind.balance.byCode).toEqual({
      '4011101': 4,
      '2001100': 1,
    });
  });

  it('leaves the other credential sets alone', () => {
    expect(rows.get('NZREF0')).toMatchObject({ status: 'matched' });
    expect(rows.get('FNFINE')).toMatchObject({ status: 'matched' });
  });
});

/**
 * A token request's failure is about our credentials or request, never the account: a 404 to
 * it (not a refusal of the credentials, so not held) is no reason to ask for the account's
 * status, which would need a token too (before: a second token request, and an account-status
 * call that could not be sent).
 */
describe('a token request answered 404', () => {
  const config = testConfig({ JOB_BACKOFF_MS: '50', JOB_BACKOFF_JITTER: '0' });
  let pipeline: Pipeline;

  beforeAll(async () => {
    pipeline = await startPipeline(config, {
      scenario: [account('netzme', 'NZTOKEN404')],
      startWorker: false,
    });
    pipeline.simulator.setTokenFaults('netzme', DEMO_CLIENT_IDS.netzme, [
      { kind: 'code', responseCode: '4047308' },
    ]);
    pipeline.simulator.resetStats();
    await pipeline.startWorker();
  }, 60_000);
  afterAll(() => pipeline?.close());

  it('records error at the first attempt without an account-status inquiry', async () => {
    const [row] = await runResults(pipeline);
    expect(row).toMatchObject({ status: 'error', attempts: 1 });
    expect(row.error_message).toMatch(/^netzme answered 4047308/);
    const netzme = pipeline.simulator.stats().providers.netzme;
    expect(netzme.byKind.token.requests).toBe(1);
    expect(netzme.byKind['account-inquiry'].requests).toBe(0);
  });
});

/**
 * A client secret the provider does not hold: the token is issued (it is signed with the
 * private key), every signed call is refused `401xx00`. Not retried, and the result says what
 * to check (a tester saw only "Unauthorized [Unknown client]" on every account).
 */
describe('a client secret the provider does not hold', () => {
  const config = testConfig({ JOB_BACKOFF_MS: '50', JOB_BACKOFF_JITTER: '0' });
  const keys = generatePartnerKeys();
  let pipeline: Pipeline;

  beforeAll(async () => {
    pipeline = await startPipeline(config, {
      scenario: [account('nicepay', 'NPSECRET')],
      keys,
      startWorker: false,
    });
    nicepayHolds(pipeline, keys, { clientSecret: generatePartnerKeys().nicepay.clientSecret });
    pipeline.simulator.resetStats();
    await pipeline.startWorker();
  }, 60_000);
  afterAll(() => pipeline?.close());

  it('records error at the first attempt, naming what to check', async () => {
    const [row] = await runResults(pipeline);
    expect(row).toMatchObject({ status: 'error', attempts: 1 });
    expect(row.error_message).toMatch(
      /^nicepay answered 401\d\d00 .*; the provider took the token but refused the signed call: check the credential set's client secret/,
    );
    const nicepay = pipeline.simulator.stats().providers.nicepay;
    expect(nicepay.byKind.token.requests).toBe(1);
    expect(Object.keys(nicepay.byKind.balance.byCode)).toEqual([
      expect.stringMatching(/^401\d\d00$/),
    ]);
  });
});
