import type { INestApplication } from '@nestjs/common';
import IORedis from 'ioredis';
import { createLogger, DEV_BASIC_AUTH_PASSWORD } from '@app/config';
import { ALL_ENTITIES } from '@app/reconciliation';
import { createProducerApp } from '../../apps/producer/src/producer-app';
import { createAccount } from '../ledger/ledger-helpers';
import { testConfig } from '../support/test-config';
import { createTestDatabase } from '../support/test-database';
import { storedState, StoredState } from './stored-state';

/**
 * Bad input to the producer's HTTP API, over real HTTP against the app `main.ts` starts
 * (same body parser, limits, guard), on the real Postgres and Redis. Every refusal names the
 * field and the value with the right status, and nothing stored before changes.
 */
describe('bad input: HTTP API', () => {
  const config = testConfig();
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let app: INestApplication;
  let url: string;
  let before: StoredState;
  const auth = {
    authorization: `Basic ${Buffer.from(`admin:${DEV_BASIC_AUTH_PASSWORD}`).toString('base64')}`,
  };

  interface Answer {
    status: number;
    body: {
      statusCode?: number;
      message?: unknown;
      errors?: {
        field: string;
        value: unknown;
        reason: string;
        message?: string;
        index?: number | null;
      }[];
    };
  }

  async function call(
    method: string,
    path: string,
    body?: string | object,
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    const res = await fetch(url + path, {
      method,
      headers: {
        ...auth,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Answer['body']) : {} };
  }

  const entry = (over: Record<string, unknown> = {}) => ({
    provider: 'netzme',
    accountNo: 'NZAPI1',
    entryRef: 'api-1',
    amount: '100.00',
    postedAt: '2026-11-21T10:00:00+07:00',
    ...over,
  });

  /** The error naming `field`, which must also show `value`. */
  function expectNamed(answer: Answer, status: number, field: string, value: unknown) {
    expect(answer.status).toBe(status);
    expect(answer.body.statusCode).toBe(status);
    const error = answer.body.errors?.find((e) => e.field === field);
    expect({ field: error?.field, value: error?.value }).toEqual({ field, value });
    expect(error?.reason).toEqual(expect.any(String));
  }

  beforeAll(async () => {
    db = await createTestDatabase(config, ALL_ENTITIES);
    await createAccount(db.dataSource, 'NZAPI1', 'netzme', 'MAPI1');
    await createAccount(db.dataSource, 'NPAPI2', 'nicepay', 'MAPI2');
    app = await createProducerApp(config, createLogger({ LOG_LEVEL: 'silent' }, 'producer'));
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    // Something stored before the bad input arrives: entries and a run.
    expect(
      (
        await call('POST', '/ledger/entries', {
          entries: [entry(), entry({ entryRef: 'api-0', amount: '-5.00' })],
        })
      ).status,
    ).toBe(200);
    expect((await call('POST', '/runs', {})).status).toBe(202);
  });

  beforeEach(async () => {
    before = await storedState(db.dataSource);
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
    const redis = new IORedis(config.REDIS_URL);
    const keys = await redis.keys(`${config.QUEUE_PREFIX}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  const unchanged = async () => expect(await storedState(db.dataSource)).toEqual(before);

  it('bad JSON: 400 naming the body and quoting it', async () => {
    const answer = await call('POST', '/ledger/entries', '{"entries": [{"provider": "netzme",');
    expectNamed(answer, 400, '(body)', '{"entries": [{"provider": "netzme",');
    expect(answer.body.errors![0].reason).toMatch(/not a JSON object/);
    await unchanged();
  });

  it('JSON that is not an object (a bare string): 400 naming the body', async () => {
    expectNamed(await call('POST', '/runs', '"netzme"'), 400, '(body)', '"netzme"');
    await unchanged();
  });

  it('a body that is not JSON at all (text/plain): 400 naming the body', async () => {
    const answer = await call('POST', '/ledger/entries', 'provider=netzme', {
      'content-type': 'text/plain',
    });
    expect(answer.status).toBe(400);
    expect(answer.body.errors?.[0]).toMatchObject({
      field: 'body',
      reason: expect.stringMatching(/JSON object/),
    });
    await unchanged();
  });

  it('wrong type: an amount sent as a JSON number (a float) is refused, 400 naming entries[0].amount and 100.5', async () => {
    const answer = await call('POST', '/ledger/entries', {
      entries: [entry({ entryRef: 'float', amount: 100.5 })],
    });
    expectNamed(answer, 400, 'amount', 100.5);
    expect(answer.body.errors![0].message).toContain('entries[0].amount 100.5');
    await unchanged();
  });

  it('wrong type: a provider filter sent as a number, 400 naming provider and 42', async () => {
    expectNamed(await call('POST', '/runs', { provider: 42 }), 400, 'provider', '42');
    await unchanged();
  });

  it('unknown field in a ledger entry: 400 naming it and its value', async () => {
    const answer = await call('POST', '/ledger/entries', {
      entries: [entry({ entryRef: 'memo', memo: 'hello' })],
    });
    expectNamed(answer, 400, 'memo', 'hello');
    expect(answer.body.errors![0].reason).toBe('is not a known field');
    await unchanged();
  });

  it('unknown field in POST /runs: 400 naming it', async () => {
    const answer = await call('POST', '/runs', { provider: 'netzme', dryRun: true });
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([
      expect.objectContaining({
        field: 'dryRun',
        reason: expect.stringMatching(/Unrecognized key/),
      }),
    ]);
    await unchanged();
  });

  it('oversized payload (6 MiB over the 5 MiB limit): 413 naming the body and its size', async () => {
    const big = JSON.stringify({ entries: [entry({ entryRef: 'x'.repeat(6 * 1024 * 1024) })] });
    const answer = await call('POST', '/ledger/entries', big);
    expectNamed(answer, 413, '(body)', `${Buffer.byteLength(big)} bytes`);
    expect(answer.body.errors![0].reason).toBe('is larger than the limit of 5242880 bytes');
    await unchanged();
  });

  it('too many entries (10,001 in one batch): 400 naming entries and the count', async () => {
    const entries = Array.from({ length: 10_001 }, (_, i) => entry({ entryRef: `bulk-${i}` }));
    expectNamed(
      await call('POST', '/ledger/entries', { entries }),
      400,
      'entries',
      '10001 entries',
    );
    await unchanged();
  });

  it('SQL-looking merchant filter: 400 naming merchantId and the text, no run created', async () => {
    const sql = "x' OR '1'='1'; DROP TABLE reconciliation_runs; --";
    expectNamed(
      await call('POST', '/runs', { merchantId: sql }),
      400,
      'merchantId',
      JSON.stringify(sql),
    );
    await unchanged();
  });

  it('SQL-looking account number in a ledger entry: 400 naming accountNo and the text', async () => {
    const sql = "NZAPI1' OR 1=1 --";
    expectNamed(
      await call('POST', '/ledger/entries', {
        entries: [entry({ entryRef: 'sql-acct', accountNo: sql })],
      }),
      400,
      'accountNo',
      sql,
    );
    await unchanged();
  });

  it('SQL-looking entry reference (legal text) is stored verbatim as data: one row more, nothing else touched', async () => {
    const sql = "r'); DELETE FROM ledger_entries; --";
    const answer = await call('POST', '/ledger/entries', {
      entries: [entry({ entryRef: sql, amount: '1.00' })],
    });
    expect(answer).toEqual({ status: 200, body: { inserted: 1, duplicates: 0 } });
    const after = await storedState(db.dataSource);
    expect(after.ledger_entries.rows).toBe(before.ledger_entries.rows + 1);
    expect({ ...after, ledger_entries: null }).toEqual({ ...before, ledger_entries: null });
    const stored: { entry_ref: string }[] = await db.dataSource.query(
      `SELECT entry_ref FROM ledger_entries WHERE entry_ref = $1`,
      [sql],
    );
    expect(stored).toEqual([{ entry_ref: sql }]);
  });

  it('path traversal in a run id (GET /runs/..%2F..%2Fetc%2Fpasswd): 400 naming runId and the value', async () => {
    const answer = await call('GET', '/runs/..%2F..%2Fetc%2Fpasswd');
    expect(answer.status).toBe(400);
    expect(answer.body.message).toBe('runId: "../../etc/passwd" is not a run id or "latest"');
    await unchanged();
  });

  it('path traversal in a report id (GET /runs/..%2f..%2fetc/report): 400 naming runId', async () => {
    const answer = await call('GET', '/runs/..%2f..%2fetc/report?format=csv');
    expect(answer.status).toBe(400);
    expect(answer.body.message).toBe('runId: "../../etc" is not a run id or "latest"');
    await unchanged();
  });

  it('a run id past bigint (20 digits): 400, not a database error', async () => {
    const answer = await call('GET', '/runs/99999999999999999999');
    expect(answer.status).toBe(400);
    expect(answer.body.message).toBe('runId: "99999999999999999999" is not a run id or "latest"');
    await unchanged();
  });

  it('a report format that is a path: 400 naming format and the value', async () => {
    const answer = await call('GET', '/runs/latest/report?format=..%2F..%2Fetc%2Fpasswd');
    expect(answer.status).toBe(400);
    expect(answer.body.message).toBe('format: "../../etc/passwd" must be json or csv');
    await unchanged();
  });

  it('an unknown account in a ledger batch: 422 naming accountNo and the value, nothing of the batch stored', async () => {
    const answer = await call('POST', '/ledger/entries', {
      entries: [
        entry({ entryRef: 'ok-part' }),
        entry({ entryRef: 'unknown', accountNo: 'NZNOPE' }),
      ],
    });
    expectNamed(answer, 422, 'accountNo', 'NZNOPE');
    await unchanged();
  });

  it('a stored reference resent with another amount: 409 naming amount and the value, the stored entry kept', async () => {
    const answer = await call('POST', '/ledger/entries', {
      entries: [entry({ amount: '999.00' })],
    });
    expectNamed(answer, 409, 'amount', '999.00');
    expect(answer.body.errors![0].reason).toContain('already recorded with amount 100.00');
    await unchanged();
  });

  it('no credentials: 401 on every route but health, nothing stored', async () => {
    const bare = await fetch(`${url}/ledger/entries`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ entries: [entry({ entryRef: 'anon' })] }),
    });
    expect(bare.status).toBe(401);
    expect((await fetch(`${url}/runs/latest`)).status).toBe(401);
    await unchanged();
  });
});
