import type { INestApplication } from '@nestjs/common';
import { gzipSync } from 'node:zlib';
import IORedis from 'ioredis';
import { DEV_BASIC_AUTH_PASSWORD } from '@app/config';
import { createLogger } from '@app/infra';
import {
  MAX_JSON_BODY_BYTES,
  MAX_OTHER_JSON_BODY_BYTES,
  MAX_RUN_ACCOUNTS,
} from '../../apps/producer/src/http/body-limits';
import { MAX_JSON_DEPTH } from '../../apps/producer/src/http/json-depth';
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
  /** An open discrepancy (a note with a NUL byte once reached Postgres and answered 500). */
  let discrepancy: string;
  const auth = {
    authorization: `Basic ${Buffer.from(`admin:${DEV_BASIC_AUTH_PASSWORD}`).toString('base64')}`,
  };

  interface Answer {
    status: number;
    body: {
      type?: string;
      title?: string;
      status?: number;
      detail?: unknown;
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
    expect(answer.body.status).toBe(status);
    expect(answer.body.type).toBe('about:blank');
    const error = answer.body.errors?.find((e) => e.field === field);
    expect({ field: error?.field, value: error?.value }).toEqual({ field, value });
    expect(error?.reason).toEqual(expect.any(String));
  }

  beforeAll(async () => {
    db = await createTestDatabase(config);
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
    const [{ id }] = await db.dataSource.query(
      `INSERT INTO discrepancies (account_id, opened_run_id, last_run_id, first_difference, last_difference)
       SELECT a.id, r.id, r.id, 100, 100 FROM provider_accounts a, reconciliation_runs r
        WHERE a.account_no = 'NZAPI1' ORDER BY r.id DESC LIMIT 1 RETURNING id`,
    );
    discrepancy = String(id);
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

  it('a body that is not JSON at all (text/plain): 415 naming Content-Type', async () => {
    const answer = await call('POST', '/ledger/entries', 'provider=netzme', {
      'content-type': 'text/plain',
    });
    expectNamed(answer, 415, 'Content-Type', 'text/plain');
    expect(answer.body.errors![0].reason).toBe('must be application/json');
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

  it('a posted time in 2099: 400 naming entries[0].postedAt and the value, nothing stored', async () => {
    const answer = await call('POST', '/ledger/entries', {
      entries: [entry({ entryRef: 'future', postedAt: '2099-01-01T00:00:00Z' })],
    });
    expectNamed(answer, 400, 'postedAt', '2099-01-01T00:00:00Z');
    expect(answer.body.errors![0].reason).toMatch(
      /^is more than 24 hours ahead of this server's clock/,
    );
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
        reason: 'is not a known field',
      }),
    ]);
    await unchanged();
  });

  it('POST /runs naming an account number with a NUL character: 400 naming accounts.0.accountNo, not a database error', async () => {
    const answer = await call('POST', '/runs', {
      accounts: [{ provider: 'netzme', accountNo: 'a\u0000b' }],
    });
    expectNamed(answer, 400, 'accounts.0.accountNo', JSON.stringify('a\u0000b'));
    expect(answer.body.errors![0].reason).toBe('must be 1-64 of A-Z a-z 0-9 . _ -');
    await unchanged();
  });

  it('an unknown field inside an account of POST /runs: 400 naming it by its path (accounts.0.bogus)', async () => {
    const answer = await call('POST', '/runs', {
      accounts: [{ provider: 'netzme', accountNo: 'NZAPI1', bogus: 1 }],
    });
    expectNamed(answer, 400, 'accounts.0.bogus', '1');
    expect(answer.body.errors![0].reason).toBe('is not a known field');
    await unchanged();
  });

  it('a ledger entry with 20,000 unknown keys: 400 listing 10,000 (one per entry of the largest batch) and counting the rest', async () => {
    const extra = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`x${i}`, i]));
    const answer = await call('POST', '/ledger/entries', { entries: [entry(extra)] });
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toHaveLength(10_000);
    expect((answer.body as { errorsOmitted?: number }).errorsOmitted).toBe(10_000);
    await unchanged();
  });

  it('2,000 unknown fields in POST /runs: a small 400 naming the first 50 and counting the rest', async () => {
    const body = Object.fromEntries(Array.from({ length: 2_000 }, (_, i) => [`k${i}`, i]));
    const answer = await call('POST', '/runs', body);
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toHaveLength(50);
    expect(answer.body.errors![0]).toEqual({
      field: 'k0',
      value: '0',
      reason: 'is not a known field',
    });
    expect((answer.body as { errorsOmitted?: number }).errorsOmitted).toBe(1_950);
    // Zod's message lists every unknown key; repeated per key it made this answer 34 MB.
    expect(JSON.stringify(answer.body).length).toBeLessThan(10_000);
    await unchanged();
  });

  it('a body over the largest POST /runs (10,000 accounts) on a route other than the ledger: 413 naming its own limit, unparsed', async () => {
    const big = JSON.stringify({ note: 'x'.repeat(MAX_OTHER_JSON_BODY_BYTES) });
    expect(big.length).toBeLessThan(MAX_JSON_BODY_BYTES); // the ledger route would read it
    const answer = await call('POST', '/runs', big);
    expectNamed(answer, 413, '(body)', `${Buffer.byteLength(big)} bytes`);
    expect(answer.body.errors![0].reason).toBe(
      `is larger than the limit of ${MAX_OTHER_JSON_BODY_BYTES} bytes`,
    );
    // The largest legitimate POST /runs fits: 10,000 accounts with the longest ids.
    const accounts = Array.from({ length: MAX_RUN_ACCOUNTS }, (_, i) => ({
      provider: 'nicepay',
      accountNo: String(i).padStart(64, 'A'),
      msId: 'S'.repeat(64),
    }));
    // Pretty-printed, as a client's JSON library may send it.
    const largest = JSON.stringify({ accounts }, null, 4);
    expect(Buffer.byteLength(largest)).toBeLessThanOrEqual(MAX_OTHER_JSON_BODY_BYTES);
    const read = await call('POST', '/runs', largest);
    // Read and validated (an unknown account is a 400 naming it), not refused for its size.
    expect(read.status).toBe(400);
    expect(read.body.errors![0].field).toMatch(/^accounts/);
    await unchanged();
  });

  it('oversized payload (1 MiB over the limit, the largest 10,000-entry batch): 413 naming the body and its size', async () => {
    const big = JSON.stringify({
      entries: [entry({ entryRef: 'x'.repeat(MAX_JSON_BODY_BYTES + 1024 * 1024) })],
    });
    const answer = await call('POST', '/ledger/entries', big);
    expectNamed(answer, 413, '(body)', `${Buffer.byteLength(big)} bytes`);
    expect(answer.body.errors![0].reason).toBe(
      `is larger than the limit of ${MAX_JSON_BODY_BYTES} bytes`,
    );
    await unchanged();
  });

  /** A JSON array nested `depth` deep: 200 KB of `[` then `]`. */
  const nested = (depth = 100_000) => '['.repeat(depth) + ']'.repeat(depth);

  it.each([
    ['POST', '/runs'],
    ['POST', '/ledger/entries'],
    ['POST', '/discrepancies/1/acknowledge'],
    ['POST', '/discrepancies/1/resolve'],
  ])(
    'a 200 KB nested array on %s %s: 400 naming the body and the nesting limit, not 500',
    async (method, path) => {
      const body = nested();
      const answer = await call(method, path, body);
      expectNamed(answer, 400, '(body)', `${Buffer.byteLength(body)} bytes`);
      expect(answer.body.errors![0].reason).toBe(
        `nests arrays or objects deeper than ${MAX_JSON_DEPTH} levels`,
      );
      await unchanged();
    },
  );

  it.each(['gzip', 'deflate', 'br'])(
    'a body sent as Content-Encoding %s that is not compressed: 400 naming Content-Encoding, not 500 (a tester found it)',
    async (encoding) => {
      for (const path of ['/runs', '/ledger/entries']) {
        const answer = await call('POST', path, '{}', { 'content-encoding': encoding });
        expectNamed(answer, 400, 'Content-Encoding', encoding);
        expect(answer.body.errors![0].reason).toBe(`the body does not decompress as ${encoding}`);
      }
      await unchanged();
    },
  );

  it('a gzip body that decompresses: taken as any other (the encoding itself is allowed)', async () => {
    const answer = await fetch(url + '/runs', {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync('{}'),
    });
    expect(answer.status).toBe(202);
  });

  it("a ledger batch whose bytes are not UTF-8 (Latin-1 café, then cafè): 400 naming the byte, nothing stored, never one as the other's duplicate", async () => {
    for (const ref of ['caf\u00e9', 'caf\u00e8']) {
      const body = Buffer.from(
        JSON.stringify({ entries: [entry({ entryRef: `api-${ref}` })] }),
        'latin1',
      );
      const offset = body.indexOf(0xe8) >= 0 ? body.indexOf(0xe8) : body.indexOf(0xe9);
      const res = await fetch(url + '/ledger/entries', {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body,
      });
      const answer = { status: res.status, body: (await res.json()) as Answer['body'] };
      expectNamed(answer, 400, '(body)', `the byte at offset ${offset}`);
      expect(answer.body.errors![0].reason).toBe(
        'is not UTF-8 text (RFC 8259: JSON is UTF-8); send it as UTF-8',
      );
      await unchanged();
    }
  });

  it('a nested array inside a field (a note that is 5,000 arrays deep): 400, not 500', async () => {
    const answer = await call('POST', '/discrepancies/1/acknowledge', `{"note":${nested(5000)}}`);
    expect(answer.status).toBe(400);
    await unchanged();
  });

  it('a NUL byte in a note: 400 naming note, not a database error', async () => {
    const answer = await call('POST', `/discrepancies/${discrepancy}/acknowledge`, {
      note: 'before\u0000after',
    });
    expectNamed(answer, 400, 'note', JSON.stringify('before\u0000after'));
    expect(answer.body.errors![0].reason).toMatch(/control characters/);
    await unchanged();
  });

  it.each([
    ['page=1e300', 'page', '"1e300"'],
    ['page=0x10', 'page', '"0x10"'],
    ['page=1.5', 'page', '"1.5"'],
    ['page=-1', 'page', '"-1"'],
    ['pageSize=1e3', 'pageSize', '"1e3"'],
    ['page=99999999999', 'page', '"99999999999"'],
  ])('GET /discrepancies?%s: 400 naming %s and %s, not 500', async (query, field, value) => {
    expectNamed(await call('GET', `/discrepancies?${query}`), 400, field, value);
    await unchanged();
  });

  it.each([
    ['/runs/1/results?page=2147483648', 'page', '"2147483648"', 1_000_000],
    ['/runs/1/results?page=-1', 'page', '"-1"', 1_000_000],
    ['/runs/1/results?pageSize=1e3', 'pageSize', '"1e3"', 500],
    ['/audit?page=2147483648', 'page', '"2147483648"', 1_000_000],
    ['/audit?page=-1', 'page', '"-1"', 1_000_000],
    ['/audit?pageSize=-5', 'pageSize', '"-5"', 500],
    ['/discrepancies?page=99999999999', 'page', '"99999999999"', 1_000_000],
  ])('GET %s: 400 naming %s and %s, with the rule (1 to %d)', async (path, field, value, max) => {
    const answer = await call('GET', path);
    expectNamed(answer, 400, field, value);
    expect(answer.body.errors!.find((e) => e.field === field)!.reason).toBe(
      `must be a whole number from 1 to ${max}`,
    );
    await unchanged();
  });

  it.each(['-1', '0', '1000000'])(
    'GET /?runsPage=%s: 400 on the page, naming runsPage, the value and the rule',
    async (value) => {
      const res = await fetch(`${url}/?runsPage=${value}`, { headers: auth });
      expect(res.status).toBe(400);
      const page = await res.text();
      expect(page).toContain('runsPage');
      expect(page).toContain(value);
      expect(page).toContain('must be a whole number from 1 to 999999');
    },
  );

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

  it('path traversal in a run id (GET /runs/..%2F..%2Fetc%2Fpasswd): 400 naming the id parameter and the value', async () => {
    const answer = await call('GET', '/runs/..%2F..%2Fetc%2Fpasswd');
    expect(answer.status).toBe(400);
    expect(answer.body.detail).toBe('invalid path parameters');
    expect(answer.body.errors).toEqual([
      {
        field: 'id',
        value: '"../../etc/passwd"',
        reason: 'must be a run id (1 to 18 digits) or "latest"',
      },
    ]);
    await unchanged();
  });

  it('path traversal in a report id (GET /runs/..%2f..%2fetc/report): 400 naming the id parameter', async () => {
    const answer = await call('GET', '/runs/..%2f..%2fetc/report?format=csv');
    expect(answer.status).toBe(400);
    expect(answer.body.detail).toBe('invalid path parameters');
    expect(answer.body.errors).toEqual([
      {
        field: 'id',
        value: '"../../etc"',
        reason: 'must be a run id (1 to 18 digits) or "latest"',
      },
    ]);
    await unchanged();
  });

  it('a run id past bigint (20 digits): 400, not a database error', async () => {
    const answer = await call('GET', '/runs/99999999999999999999');
    expect(answer.status).toBe(400);
    expect(answer.body.detail).toBe('invalid path parameters');
    expect(answer.body.errors).toEqual([
      {
        field: 'id',
        value: '"99999999999999999999"',
        reason: 'must be a run id (1 to 18 digits) or "latest"',
      },
    ]);
    await unchanged();
  });

  it('a report format that is a path: 400 naming format and the value', async () => {
    const answer = await call('GET', '/runs/latest/report?format=..%2F..%2Fetc%2Fpasswd');
    expect(answer.status).toBe(400);
    expect(answer.body.detail).toBe('invalid query parameters');
    expect(answer.body.errors).toEqual([
      { field: 'format', value: '"../../etc/passwd"', reason: 'must be json or csv' },
    ]);
    await unchanged();
  });

  it.each([
    ['/report?x=1', 'x', '"1"'],
    ['/unmatched.csv?status=bogus', 'status', '"bogus"'],
  ])(
    'GET /runs/:id%s: 400 naming the parameter it does not take, not an answer that ignored it (a tester found both)',
    async (suffix, field, value) => {
      const [{ id }] = await db.dataSource.query(`SELECT max(id) AS id FROM reconciliation_runs`);
      const answer = await call('GET', `/runs/${id}${suffix}`);
      expectNamed(answer, 400, field, value);
      expect(answer.body.errors![0].reason).toBe('is not a known field');
    },
  );

  it('POST /runs/:id/cancel with a body (a note): 400 naming it, the run not cancelled, instead of the note lost without a word', async () => {
    const [{ id, status }] = await db.dataSource.query(
      `SELECT id, status FROM reconciliation_runs ORDER BY id DESC LIMIT 1`,
    );
    const answer = await call('POST', `/runs/${id}/cancel`, { note: 'operator asked' });
    expectNamed(answer, 400, 'note', '"operator asked"');
    expect(answer.body.errors![0].reason).toBe('is not a known field');
    await unchanged();
    const [after] = await db.dataSource.query(
      `SELECT status FROM reconciliation_runs WHERE id = $1`,
      [id],
    );
    expect(after.status).toBe(status);
  });

  it('POST /runs?provider=netzme (the scope in the query, not the body): 400 naming provider, no run started over every account', async () => {
    const answer = await call('POST', '/runs?provider=netzme', {});
    expectNamed(answer, 400, 'provider', '"netzme"');
    expect(answer.body.detail).toBe('invalid query parameters');
    expect(answer.body.errors![0].reason).toBe('is not a known field');
    await unchanged();
  });

  it('a query parameter on a route that takes none (run, cancel, discrepancy, acknowledge, resolve, ledger entries, metrics): 400 naming it, nothing changed', async () => {
    const [{ id }] = await db.dataSource.query(
      `SELECT id FROM reconciliation_runs ORDER BY id DESC LIMIT 1`,
    );
    const refused: [string, string, object?][] = [
      ['GET', `/runs/${id}?verbose=1`],
      ['POST', `/runs/${id}/cancel?verbose=1`],
      ['GET', `/discrepancies/${discrepancy}?verbose=1`],
      ['POST', `/discrepancies/${discrepancy}/acknowledge?verbose=1`, { note: 'x' }],
      ['POST', `/discrepancies/${discrepancy}/resolve?verbose=1`, { note: 'x' }],
      ['POST', '/ledger/entries?verbose=1', { entries: [entry({ entryRef: 'api-q' })] }],
      ['GET', '/metrics?verbose=1'],
    ];
    for (const [method, path, body] of refused) {
      const answer = await call(method, path, body);
      expectNamed(answer, 400, 'verbose', '"1"');
      expect(answer.body.detail).toBe('invalid query parameters');
    }
    await unchanged();
  });

  it('a discrepancy list status that is not one: 400 invalid query parameters naming status', async () => {
    const answer = await call('GET', '/discrepancies?status=bogus');
    expectNamed(answer, 400, 'status', '"bogus"');
    expect(answer.body.detail).toBe('invalid query parameters');
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

  it('a batch taking a running balance past bigint: 422 naming the entry index and amount, nothing stored, not a database error', async () => {
    const big = '9999999999999999.99'; // ten of these exceed the ledger's 9223372036854775807 minor units
    const entries = Array.from({ length: 10 }, (_, i) =>
      entry({ entryRef: `huge-${i}`, amount: big, postedAt: `2026-11-22T10:0${i}:00Z` }),
    );
    const answer = await call('POST', '/ledger/entries', { entries });
    expectNamed(answer, 422, 'amount', big);
    expect(answer.body.detail).toBe('ledger batch not stored');
    expect(answer.body.errors).toHaveLength(1);
    expect(answer.body.errors![0]).toMatchObject({ index: 9, field: 'amount', value: big });
    expect(answer.body.errors![0].reason).toMatch(
      /^the account's running balance would be \d+\.\d{2}, beyond what the ledger can hold/,
    );
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
