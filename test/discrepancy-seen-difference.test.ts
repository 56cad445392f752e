import type { INestApplication } from '@nestjs/common';
import {
  discrepanciesRepository,
  errorResult,
  resultsRepository,
  runsRepository,
} from '@app/reconciliation';
import { createAccounts } from './repositories/repository-fixtures';
import { startProducerHttp } from './reports/http';
import { apiCaller } from './support/api-caller';
import { deleteRedisKeys } from './support/redis-cleanup';
import { loadPage, postForm } from './support/page-form';
import { createTestDatabase } from './support/test-database';
import { testConfig } from './support/test-config';

/**
 * Acknowledging records the difference the person saw (`seenDifference`: the API's body, the
 * page's acknowledge form), not the one a run wrote between their look and their click. The
 * operator saw 10,000.00 short; a run then found 2,500,000.00 short (still open, so no
 * reopening); the click must not record the jump they never saw as acknowledged: the next run
 * that still finds it reopens the discrepancy. A client that sends no seenDifference keeps the
 * difference at the click.
 */
describe('acknowledging records the difference the person saw (RECON_TOLERANCE 5.00)', () => {
  const TOLERANCE = 500n;
  const config = testConfig();
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    db = await createTestDatabase(config);
    ({ app, url } = await startProducerHttp(config));
  }, 60_000);
  afterAll(async () => {
    await app.close();
    await db.drop();
    await deleteRedisKeys(config.REDIS_URL, config.QUEUE_PREFIX);
  });

  const call = apiCaller(() => url);
  /** A run finding the account mismatched by `difference`, applied as a finalizing run does. */
  async function mismatch(accountId: string, difference: bigint): Promise<string> {
    const ds = db.dataSource;
    const { runId } = (await runsRepository.create(ds, 'api', {}, null))!;
    await resultsRepository.upsertBatch(ds, [
      {
        ...errorResult({ runId, accountId, attempts: 1 }),
        status: 'mismatched',
        final: true,
        difference,
      },
    ]);
    await ds.transaction((tx) => discrepanciesRepository.applyRunResults(tx, runId, TOLERANCE));
    return runId;
  }
  const discrepancyOn = async (accountNo: string) =>
    ((await call('GET', '/discrepancies?status=all')).body.items as Record<string, unknown>[]).find(
      (d) => d.accountNo === accountNo,
    )!;
  const auditOf = async (id: unknown) =>
    (await call('GET', `/audit?subjectType=discrepancy&subjectId=${id}`)).body.items as Record<
      string,
      unknown
    >[];

  it('API: a seenDifference older than the current one is recorded; the next run still finding the current one reopens it', async () => {
    const [accountId] = await createAccounts(db.dataSource, ['SEEN-API']);
    await mismatch(accountId, -1_000_000n);
    const seen = await discrepancyOn('SEEN-API');
    expect(seen).toMatchObject({ status: 'open', lastDifference: '-10000.00' });
    // While the operator reads it, a run finds it 2,500,000.00 short: open, so no reopening.
    await mismatch(accountId, -250_000_000n);

    const acknowledged = await call('POST', `/discrepancies/${seen.id}/acknowledge`, {
      note: 'asked the provider',
      seenDifference: seen.lastDifference,
    });
    expect(acknowledged.status).toBe(200);
    expect(acknowledged.body).toMatchObject({
      status: 'acknowledged',
      lastDifference: '-2500000.00',
      acknowledgedDifference: '-10000.00',
    });
    expect((await auditOf(seen.id))[0]).toMatchObject({
      action: 'discrepancy.acknowledge',
      after: {
        status: 'acknowledged',
        lastDifference: '-2500000.00',
        acknowledgedDifference: '-10000.00',
      },
    });

    const run = await mismatch(accountId, -250_000_000n);
    expect(await discrepancyOn('SEEN-API')).toMatchObject({
      status: 'open',
      acknowledgedAt: null,
      acknowledgedDifference: '-10000.00',
      note: `asked the provider\ndifference changed from -10000.00 to -2500000.00 in run ${run}; reopened`,
    });
    expect(await discrepanciesRepository.findUnannouncedReopenings(db.dataSource, run)).toEqual([
      { discrepancyId: seen.id, runId: run },
    ]);
  });

  it('API: without seenDifference the difference at the click is recorded, as before', async () => {
    const [accountId] = await createAccounts(db.dataSource, ['SEEN-NONE']);
    await mismatch(accountId, -1_000_000n);
    const { id } = await discrepancyOn('SEEN-NONE');
    await mismatch(accountId, -250_000_000n);
    const acknowledged = await call('POST', `/discrepancies/${id}/acknowledge`, { note: 'known' });
    expect(acknowledged.body).toMatchObject({
      status: 'acknowledged',
      acknowledgedDifference: '-2500000.00',
    });
    await mismatch(accountId, -250_000_000n);
    expect(await discrepancyOn('SEEN-NONE')).toMatchObject({
      status: 'acknowledged',
      acknowledgedDifference: '-2500000.00',
      note: 'known',
    });
  });

  it('page: the acknowledge form posts the difference it shows; a run moving it before the click reopens it next run', async () => {
    const [accountId] = await createAccounts(db.dataSource, ['SEEN-PAGE']);
    await mismatch(accountId, -1_000_000n);
    const { id } = await discrepancyOn('SEEN-PAGE');
    const page = await loadPage(url, '/ui/discrepancies');
    const row = new RegExp(`<tr data-discrepancy="${id}">[\\s\\S]*?</tr>`).exec(page.text)![0];
    const form = new RegExp(
      `<form method="post" action="/ui/discrepancies/${id}/acknowledge"[\\s\\S]*?</form>`,
    ).exec(row)![0];
    // Every field of the form, as a browser would post it.
    const fields = Object.fromEntries(
      [...form.matchAll(/<input\s([^>]*?)\/?>/g)].map(([, attributes]) => [
        /name="([^"]*)"/.exec(attributes)![1],
        /value="([^"]*)"/.exec(attributes)?.[1] ?? '',
      ]),
    );
    expect(fields).toEqual({
      _csrf: expect.any(String),
      returnStatus: 'active',
      returnPage: '1',
      seenDifference: '-10000.00',
      note: '',
    });
    // The shown difference is the one the row displays.
    expect(row).toMatch(/-10,?000\.00/);

    await mismatch(accountId, -250_000_000n); // after the page was loaded
    const posted = await postForm(url, `/ui/discrepancies/${id}/acknowledge`, page.cookie!, {
      ...fields,
      note: 'on it',
    });
    expect(posted.status).toBe(303);
    expect(await discrepancyOn('SEEN-PAGE')).toMatchObject({
      status: 'acknowledged',
      lastDifference: '-2500000.00',
      acknowledgedDifference: '-10000.00',
    });
    const run = await mismatch(accountId, -250_000_000n);
    expect(await discrepancyOn('SEEN-PAGE')).toMatchObject({
      status: 'open',
      note: `on it\ndifference changed from -10000.00 to -2500000.00 in run ${run}; reopened`,
    });
  });

  it('refuses a seenDifference the discrepancy never showed (API and page): 400 naming it and its value, nothing changed; one a run recorded since it opened is taken', async () => {
    const [accountId] = await createAccounts(db.dataSource, ['SEEN-MADE-UP']);
    await mismatch(accountId, -1_000_000n);
    const { id } = await discrepancyOn('SEEN-MADE-UP');
    // A difference no run found for it: acknowledging it would move the point the reopening
    // is measured from, so that a loss growing to it reopened nothing.
    const made = await call('POST', `/discrepancies/${id}/acknowledge`, {
      note: 'x',
      seenDifference: '-2500000.00',
    });
    expect(made.status).toBe(400);
    expect(made.body.errors).toEqual([
      {
        field: 'seenDifference',
        value: '"-2500000.00"',
        reason: expect.stringMatching(/is not a difference this discrepancy has shown/),
      },
    ]);

    const page = await loadPage(url, '/ui/discrepancies');
    const form = await postForm(url, `/ui/discrepancies/${id}/acknowledge`, page.cookie!, {
      _csrf: page.token!,
      note: 'x',
      seenDifference: '-1.00',
    });
    expect(form.status).toBe(400);
    expect(await form.text()).toMatch(
      /<td>seenDifference<\/td><td><code>&quot;-1.00&quot;<\/code><\/td>/,
    );
    expect(await discrepancyOn('SEEN-MADE-UP')).toMatchObject({
      status: 'open',
      acknowledgedDifference: null,
      note: null,
    });
    expect(await auditOf(id)).toEqual([]);

    // Runs since it opened found breaks of -10,000.00, then -20,000.00, then -30,000.00: the
    // middle one, neither its first nor its last difference, is one it showed.
    await mismatch(accountId, -2_000_000n);
    // A run between them found a timing difference (money in flight): not a break, so never
    // one the discrepancy showed.
    const { runId: timingRun } = (await runsRepository.create(db.dataSource, 'api', {}, null))!;
    await resultsRepository.upsertBatch(db.dataSource, [
      {
        ...errorResult({ runId: timingRun, accountId, attempts: 1 }),
        status: 'timing',
        final: true,
        difference: -4_200_000n,
      },
    ]);
    await mismatch(accountId, -3_000_000n);
    const timing = await call('POST', `/discrepancies/${id}/acknowledge`, {
      note: 'x',
      seenDifference: '-42000.00',
    });
    expect(timing.status).toBe(400);
    const taken = await call('POST', `/discrepancies/${id}/acknowledge`, {
      note: 'saw it at 20,000',
      seenDifference: '-20000.00',
    });
    expect(taken.status).toBe(200);
    expect(taken.body).toMatchObject({
      status: 'acknowledged',
      lastDifference: '-30000.00',
      acknowledgedDifference: '-20000.00',
    });
  });

  it('refuses a bad seenDifference with a 400 naming it and its value, changing nothing (API and page); resolve takes none', async () => {
    const [accountId] = await createAccounts(db.dataSource, ['SEEN-BAD']);
    await mismatch(accountId, -1_000_000n);
    const { id } = await discrepancyOn('SEEN-BAD');
    const refused = async (seenDifference: unknown) => {
      const res = await call('POST', `/discrepancies/${id}/acknowledge`, {
        note: 'x',
        seenDifference,
      });
      expect(res.status).toBe(400);
      return res.body.errors;
    };
    expect(await refused('-10,000.00')).toEqual([
      {
        field: 'seenDifference',
        value: '"-10,000.00"',
        reason:
          'must be a decimal with exactly two places and no separators, like 1000.00 or -12.50',
      },
    ]);
    expect(await refused('')).toEqual([
      { field: 'seenDifference', value: '""', reason: expect.stringMatching(/two places/) },
    ]);
    expect(await refused('12345678901234567.00')).toEqual([
      {
        field: 'seenDifference',
        value: '"12345678901234567.00"',
        reason: expect.stringMatching(/has 17 digits before the point/),
      },
    ]);
    expect(await refused(-10000)).toEqual([
      { field: 'seenDifference', value: '-10000', reason: 'must be a string' },
    ]);

    const page = await loadPage(url, '/ui/discrepancies');
    const form = await postForm(url, `/ui/discrepancies/${id}/acknowledge`, page.cookie!, {
      _csrf: page.token!,
      note: 'x',
      seenDifference: 'abc',
    });
    expect(form.status).toBe(400);
    expect(await form.text()).toMatch(
      /<td>seenDifference<\/td><td><code>&quot;abc&quot;<\/code><\/td>/,
    );

    // Resolving records no acknowledged difference: it takes none.
    const resolve = await call('POST', `/discrepancies/${id}/resolve`, {
      note: 'x',
      seenDifference: '-10000.00',
    });
    expect(resolve.status).toBe(400);
    expect(resolve.body.errors).toEqual([
      expect.objectContaining({ field: 'seenDifference', value: '"-10000.00"' }),
    ]);

    expect(await discrepancyOn('SEEN-BAD')).toMatchObject({
      status: 'open',
      acknowledgedDifference: null,
      note: null,
    });
    expect(await auditOf(id)).toEqual([]);
  });
});
