import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import IORedis from 'ioredis';
import { createLogger } from '@app/infra';
import { loadRunReport, reportToCsv } from '@app/reconciliation';
import { PROVIDERS, ProviderName } from '@app/snap';
import { generatePartnerKeys, PartnerKeys } from '../apps/cli/src/demo/partner-keys';
import { createProducerApp } from '../apps/producer/src/producer-app';
import { LogCapture } from './support/log-capture';
import { Pipeline, startPipeline } from './support/pipeline';
import { redisTexts, scanTexts, ScannedText, SecretNeedle } from './support/secret-scan';
import { testConfig } from './support/test-config';

const tag = randomBytes(6).toString('hex');

/** Partner keys whose client secrets are recognisable fakes. */
function fakeKeys(): Record<ProviderName, PartnerKeys> {
  const keys = generatePartnerKeys();
  for (const p of PROVIDERS) keys[p].clientSecret = `FAKE-CLIENT-SECRET-${p}-${tag}`;
  return keys;
}

/**
 * The secrets scan: a realistic pipeline (worker, producer HTTP API, simulator over HTTP with
 * faults, a revoked token, contract breaches, a provider that echoes our client secret back)
 * run with recognisable fake secrets, then every log line (worker, producer, simulator), every
 * API response (body and headers), every CSV and every key of the test's queue prefix in Redis
 * (job hashes with data, results, failure reasons and stack traces) is searched for every
 * client secret, private key, issued access token, API key and password. It must find nothing.
 */
describe('secrets scan', () => {
  const API_KEY = `FAKE-API-KEY-${tag}`;
  const PASSWORD = `FAKE-BASIC-PASSWORD-${tag}`;
  const config = testConfig({
    API_KEYS: API_KEY,
    BASIC_AUTH_PASSWORD: PASSWORD,
    JOB_ATTEMPTS: '2',
    JOB_BACKOFF_MS: '50',
    RECON_RECHECK_DELAY_MS: '300',
    SNAP_READ_TIMEOUT_MS: '1500',
    RATE_LIMIT_PAUSE_MS: '100',
  });
  const keys = fakeKeys();
  const simulatorLogs = new LogCapture();
  const producerLogs = new LogCapture();
  let pipeline: Pipeline;
  let app: INestApplication;
  let redis: IORedis;
  const responses: ScannedText[] = [];
  const csvs: ScannedText[] = [];
  let needles: SecretNeedle[] = [];
  /** The accounts whose provider answers quote a client secret as data. */
  let echoed: string[] = [];
  /** The accounts whose merchant name or account status is a client secret. */
  let storedAsData: string[] = [];

  async function fetchText(
    path: string,
    init: RequestInit = {},
    headers: Record<string, string> = { 'x-api-key': API_KEY },
  ) {
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    const res = await fetch(url + path, {
      ...init,
      headers: { ...headers, ...(init.body ? { 'content-type': 'application/json' } : {}) },
    });
    const text = await res.text();
    responses.push({
      where: `${init.method ?? 'GET'} ${path} → ${res.status}`,
      text: `${JSON.stringify([...res.headers])}\n${text}`,
    });
    return { status: res.status, text, type: res.headers.get('content-type') ?? '' };
  }

  beforeAll(async () => {
    pipeline = await startPipeline(config, {
      accountCount: 60,
      keys,
      simulatorLogger: createLogger({ LOG_LEVEL: 'debug' }, 'simulator', simulatorLogs),
    });
    // A provider that echoes our client secret in its error message (it has seen it, e.g. in an
    // X-CLIENT-SECRET header some of their docs ask for).
    const nosy = pipeline.scenario.find((a) => a.provider === 'nicepay' && a.kind === 'matched')!;
    pipeline.simulator.patchAccount('nicepay', nosy.accountNo, {
      faults: [
        {
          kind: 'raw',
          status: 401,
          body: JSON.stringify({
            responseCode: '4011100',
            responseMessage: `Unauthorized: bad X-SIGNATURE for client secret ${keys.nicepay.clientSecret}`,
          }),
        },
      ],
    });
    // Providers whose answers quote a secret where it is read as data, not as a message: a
    // proxy's HTML error page, a bare JSON string, an amount field, and a plain-text page whose
    // secret falls across the point where an error message cuts a quoted body.
    const matched = (provider: ProviderName, n: number) =>
      pipeline.scenario.filter((a) => a.provider === provider && a.kind === 'matched')[n];
    const echoes: [ProviderName, number, Record<string, unknown>][] = [
      [
        'nicepay',
        1,
        {
          status: 500,
          contentType: 'text/html',
          body: `<html>proxy error secret=${keys.nicepay.clientSecret}</html>`,
        },
      ],
      [
        'nicepay',
        2,
        {
          status: 502,
          contentType: 'text/plain',
          body: `${'x'.repeat(60)}${keys.nicepay.clientSecret}`,
        },
      ],
      ['finnet', 0, { status: 200, body: JSON.stringify(keys.finnet.clientSecret) }],
      [
        'netzme',
        0,
        {
          status: 200,
          body: JSON.stringify({
            responseCode: '2001100',
            responseMessage: 'Successful',
            accountInfos: [
              {
                balanceType: 'Cash',
                availableBalance: { value: keys.netzme.clientSecret, currency: 'IDR' },
              },
            ],
            additionalInfo: { ts: Date.now() },
          }),
        },
      ],
    ];
    echoed = echoes.map(([provider, n]) => matched(provider, n).accountNo);
    // And as data that is stored even when nothing fails: a merchant name (Finnet names the
    // merchant in every answer) and an account-status value (asked for a Netzme break).
    const named = matched('finnet', 1);
    pipeline.simulator.patchAccount('finnet', named.accountNo, { name: keys.finnet.clientSecret });
    const broken = pipeline.scenario.find(
      (a) => a.provider === 'netzme' && a.kind === 'real-break',
    )!;
    pipeline.simulator.patchAccount('netzme', broken.accountNo, {
      status: keys.netzme.clientSecret,
    });
    storedAsData = [named.accountNo, broken.accountNo];
    for (const [provider, n, reply] of echoes) {
      pipeline.simulator.patchAccount(provider, matched(provider, n).accountNo, {
        faults: [{ kind: 'raw', times: 10, ...reply }],
      });
    }
    app = await createProducerApp(
      config,
      createLogger({ LOG_LEVEL: 'debug' }, 'producer', producerLogs),
    );
    await app.listen(0, '127.0.0.1');
    // The run goes through the API, as an operator starts it.
    const started = await fetchText('/runs', { method: 'POST', body: '{}' });
    expect(started.status).toBe(202);
    const { runId } = JSON.parse(started.text) as { runId: string };
    await pipeline.waitForRun(runId, 90_000);

    for (const path of [
      `/runs/${runId}`,
      `/runs/${runId}/report`,
      '/runs',
      `/runs/${runId}/results`,
      '/discrepancies',
      '/health',
      '/metrics',
      '/reports/daily',
      '/',
      '/ui/discrepancies',
      // Bull Board: the page and its API with job payloads, return values and failure reasons.
      '/queues',
      ...['netzme', 'nicepay', 'finnet'].flatMap((p) =>
        ['completed', 'failed', 'latest'].map(
          (status) =>
            `/queues/api/queues?activeQueue=balance-inquiry-${p}&status=${status}&page=1&jobsPerPage=100`,
        ),
      ),
    ]) {
      await fetchText(path);
    }
    const csv = await fetchText(`/runs/${runId}/report?format=csv`);
    expect(csv.type).toContain('text/csv');
    csvs.push({ where: 'GET report?format=csv', text: csv.text });
    csvs.push({
      where: 'reportToCsv',
      text: reportToCsv((await loadRunReport(pipeline.db.dataSource, runId))!),
    });
    // Refusals must not echo credentials either.
    await fetchText('/runs/latest', {}, { 'x-api-key': `${API_KEY}-wrong` });
    await fetchText(
      '/runs/latest',
      {},
      { authorization: `Basic ${Buffer.from(`admin:${PASSWORD}x`).toString('base64')}` },
    );
    await fetchText('/runs', {
      method: 'POST',
      body: JSON.stringify({ merchantId: 'x', apiKey: API_KEY }),
    });

    const tokens = pipeline.simulator.issuedTokens();
    expect(tokens.length).toBeGreaterThan(2);
    needles = [
      ...PROVIDERS.flatMap((p) => [
        { label: `${p} client secret`, value: keys[p].clientSecret },
        { label: `${p} private key`, value: keys[p].privateKeyPem },
      ]),
      ...tokens.map((t, i) => ({ label: `access token #${i + 1}`, value: t })),
      { label: 'API key', value: API_KEY },
      { label: 'basic-auth password', value: PASSWORD },
    ];
    redis = new IORedis(config.REDIS_URL);
  }, 150_000);

  afterAll(async () => {
    await app?.close();
    await pipeline?.close();
    redis?.disconnect();
  });

  it('the run was realistic: faults, a token refresh, errors, plenty of logs from every side', async () => {
    const stats = pipeline.simulator.stats();
    const codes = Object.values(stats.providers).flatMap((p) => Object.keys(p.byCode));
    expect(codes).toEqual(expect.arrayContaining(['4011101', '5001100', 'raw', '2001100']));
    expect(pipeline.logs.lines.length).toBeGreaterThan(100);
    expect(simulatorLogs.lines.length).toBeGreaterThan(100);
    expect(producerLogs.lines.length).toBeGreaterThan(0);
    const errors: { n: string }[] = await pipeline.db.dataSource.query(
      `SELECT count(*) AS n FROM reconciliation_results WHERE status = 'error'`,
    );
    expect(Number(errors[0].n)).toBeGreaterThan(3);
  });

  it('the answers that quoted a secret as data ended as errors that show it redacted', async () => {
    const rows: { account_no: string; status: string; error_message: string }[] =
      await pipeline.db.dataSource.query(
        `SELECT a.account_no, r.status, r.error_message
           FROM reconciliation_results r JOIN provider_accounts a ON a.id = r.account_id
          WHERE a.account_no = ANY($1)`,
        [echoed],
      );
    expect(rows).toHaveLength(echoed.length);
    for (const row of rows) {
      expect(row.status).toBe('error');
      expect(row.error_message).toContain('[REDACTED]');
    }
  });

  it('a merchant name or account status that is a secret is stored redacted', async () => {
    const rows: { provider_name: string | null; provider_status: Record<string, string> | null }[] =
      await pipeline.db.dataSource.query(
        `SELECT r.provider_name, r.provider_status
           FROM reconciliation_results r JOIN provider_accounts a ON a.id = r.account_id
          WHERE a.account_no = ANY($1) ORDER BY a.provider`,
        [storedAsData],
      );
    const [finnet, netzme] = rows;
    expect(JSON.stringify(finnet)).toContain('[REDACTED]');
    expect(JSON.stringify(netzme.provider_status)).toContain('[REDACTED]');
  });

  it('no secret in any log line (worker, run starter, producer HTTP, simulator)', () => {
    const lines = [
      ...pipeline.logs.lines.map((text, i) => ({ where: `pipeline log ${i}`, text })),
      ...producerLogs.lines.map((text, i) => ({ where: `producer log ${i}`, text })),
      ...simulatorLogs.lines.map((text, i) => ({ where: `simulator log ${i}`, text })),
    ];
    expect(scanTexts(lines, needles)).toEqual([]);
  });

  it('no secret in any API response body or header', () => {
    expect(responses.length).toBeGreaterThan(10);
    // Bull Board answered with the jobs themselves (payloads, return values, failure reasons).
    const board = responses.filter(
      (r) => r.where.includes('/queues/api/queues?') && r.where.includes('completed'),
    );
    expect(board.some((r) => r.text.includes('"runId"') && r.text.includes('"returnValue"'))).toBe(
      true,
    );
    expect(scanTexts(responses, needles)).toEqual([]);
  });

  it('no secret in any CSV', () => {
    expect(csvs.every((c) => c.text.split('\n').length > 60)).toBe(true);
    expect(scanTexts(csvs, needles)).toEqual([]);
  });

  it('no secret in the database (results, error messages, raw bodies, runs)', async () => {
    const rows: { t: string }[] = await pipeline.db.dataSource.query(
      `SELECT r::text AS t FROM reconciliation_results r UNION ALL SELECT r::text FROM reconciliation_runs r`,
    );
    expect(
      scanTexts(
        rows.map((r, i) => ({ where: `db row ${i}`, text: r.t })),
        needles,
      ),
    ).toEqual([]);
  });

  it('no secret in any job payload or other key in Redis; the token cache holds tokens only', async () => {
    const prefix = config.QUEUE_PREFIX;
    const isTokenCache = (key: string) => key.startsWith(`${prefix}:token:`);
    const scanned = await redisTexts(redis, prefix, isTokenCache);
    expect(scanned.jobHashes).toBeGreaterThanOrEqual(pipeline.scenario.length);
    expect(scanTexts(scanned.texts, needles)).toEqual([]);
    // The shared token cache holds the live access token by design, and nothing else secret.
    expect(scanned.skipped.length).toBeGreaterThan(0);
    const cache = await redisTexts(redis, `${prefix}:token`);
    const notTokens = needles.filter((n) => !n.label.startsWith('access token'));
    expect(scanTexts(cache.texts, notTokens)).toEqual([]);
  });

  describe('the scan itself finds a planted secret', () => {
    const planted = `FAKE-PLANTED-${tag}`;
    const needle = [{ label: 'planted', value: planted }];

    it('in a log line, JSON-escaped, URL-encoded, base64 or cut short', () => {
      const texts = [
        { where: 'plain', text: `{"msg":"x","secret":"${planted}"}` },
        { where: 'url', text: `GET /x?k=${encodeURIComponent(planted + '/+')}` },
        { where: 'escaped', text: JSON.stringify({ s: `a"b${planted}` }) },
        { where: 'basic', text: `authorization: Basic ${Buffer.from(planted).toString('base64')}` },
        { where: 'cut', text: `got "${planted.slice(0, 18)}…"` },
        { where: 'clean', text: 'nothing here' },
      ];
      expect(scanTexts(texts, needle).map((l) => [l.where, l.form])).toEqual([
        ['plain', 'as is'],
        ['url', 'as is'],
        ['escaped', 'as is'],
        ['basic', 'base64'],
        ['cut', 'head'],
      ]);
    });

    it('a private key by any line of its PEM, even with escaped line breaks', () => {
      const pem = keys.finnet.privateKeyPem;
      const line2 = pem.split('\n')[2];
      const found = scanTexts(
        [
          { where: 'escaped', text: JSON.stringify({ err: `bad key ${pem}` }) },
          { where: 'one line', text: `{"msg":"cut","part":"${line2}"}` },
        ],
        [{ label: 'key', value: pem }],
      );
      expect(found.map((f) => [f.where, f.form])).toEqual([
        ['escaped', 'pem line 1'],
        ['one line', 'pem line 2'],
      ]);
    });

    it('in a job hash in Redis under the prefix', async () => {
      const prefix = `${config.QUEUE_PREFIX}-plant`;
      await redis.hset(`${prefix}:balance-inquiry-netzme:1`, {
        data: JSON.stringify({ runId: '1', note: planted }),
        opts: '{}',
      });
      try {
        const scanned = await redisTexts(redis, prefix);
        expect(scanned.jobHashes).toBe(1);
        expect(scanTexts(scanned.texts, needle)).toEqual([
          { where: `redis ${prefix}:balance-inquiry-netzme:1`, secret: 'planted', form: 'as is' },
        ]);
      } finally {
        await redis.del(`${prefix}:balance-inquiry-netzme:1`);
      }
    });
  });
});
