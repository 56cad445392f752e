import { accountKeyText } from '@app/ledger';
import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { DelayedError, Queue, Worker } from 'bullmq';
import IORedis from 'ioredis';
import pino from 'pino';
import { queuePrefix } from '@app/infra';
import { JOB, SCHEDULE_QUEUE } from '@app/queue';
import {
  jobStart,
  loadRunReport,
  reportToTable,
  RunsService,
  saveResult,
} from '@app/reconciliation';
import { QUEUED_TICK_RETRY_MS, ScheduleProcessor } from '../apps/producer/src/schedule.processor';
import { startProducerHttp } from './reports/http';
import { Pipeline, startPipeline } from './support/pipeline';
import { testConfig } from './support/test-config';

const API_KEY = 'run-control-key-0123456789abcdef';

/** Run control: cancel a run, re-check a list of accounts, scheduled ticks while a run is running. */
describe('run control', () => {
  const config = testConfig({ API_KEYS: API_KEY, WORKER_SWEEP_INTERVAL_MS: '0' });
  let pipeline: Pipeline;
  let app: INestApplication;
  let url: string;
  let connection: IORedis;
  const ticks: Queue[] = [];

  beforeAll(async () => {
    pipeline = await startPipeline(config, { accountCount: 30, startWorker: false });
    ({ app, url } = await startProducerHttp(config));
    connection = new IORedis(config.REDIS_URL, { maxRetriesPerRequest: null });
  }, 60_000);
  afterAll(async () => {
    for (const q of ticks) await q.obliterate({ force: true });
    await Promise.all(ticks.map((q) => q.close()));
    connection?.disconnect();
    await app?.close();
    await pipeline?.close();
  });

  const post = async (path: string, body?: unknown) => {
    const res = await fetch(url + path, {
      method: 'POST',
      headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const waiting = async () => {
    let n = 0;
    for (const q of pipeline.queues().filter((q) => q.name !== SCHEDULE_QUEUE))
      n += await q.getJobCountByTypes('waiting', 'delayed', 'prioritized');
    return n;
  };
  const runRow = async (id: string) =>
    (
      (await pipeline.db.dataSource.query(
        `SELECT status, note, account_count, finished_at FROM reconciliation_runs WHERE id = $1`,
        [id],
      )) as {
        status: string;
        note: string | null;
        account_count: number;
        finished_at: Date | null;
      }[]
    )[0];

  it('POST /runs/:id/cancel stops a running run: pending jobs removed, results so far kept, status cancelled; again 409, unknown 404', async () => {
    const started = await post('/runs');
    expect(started.status).toBe(202);
    const runId = String(started.body.runId);
    expect(await waiting()).toBe(30);
    // One account already has its result.
    await pipeline.db.dataSource.query(
      `INSERT INTO reconciliation_results (run_id, account_id, status, is_final, attempts)
       SELECT $1, account_ids[1], 'matched', true, 1 FROM reconciliation_runs WHERE id = $1`,
      [runId],
    );
    await pipeline.db.dataSource.query(
      `UPDATE reconciliation_runs SET completed_count = 1 WHERE id = $1`,
      [runId],
    );
    const cancelled = await post(`/runs/${runId}/cancel`);
    expect(cancelled).toEqual({
      status: 200,
      body: { runId, status: 'cancelled', removedJobs: 30, resultsKept: 1 },
    });
    expect(await waiting()).toBe(0);
    expect(await runRow(runId)).toMatchObject({ status: 'cancelled', note: 'cancelled by api' });
    expect((await runRow(runId)).finished_at).toBeInstanceOf(Date);
    const [{ n }]: { n: string }[] = await pipeline.db.dataSource.query(
      `SELECT count(*) AS n FROM reconciliation_results WHERE run_id = $1`,
      [runId],
    );
    expect(n).toBe('1');
    expect(await post(`/runs/${runId}/cancel`)).toMatchObject({
      status: 409,
      body: { detail: `run ${runId} is cancelled, not running` },
    });
    expect((await post('/runs/987654321/cancel')).status).toBe(404);
    const bad = await post('/runs/abc/cancel');
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([
      { field: 'id', value: '"abc"', reason: 'must be a run id (1 to 18 digits)' },
    ]);
    // A job of the cancelled run that still reaches a worker finds the run closed (the
    // worker then does nothing: BalanceInquiryService answers `run-closed`).
    const [{ account_id }]: { account_id: string }[] = await pipeline.db.dataSource.query(
      `SELECT account_ids[2] AS account_id FROM reconciliation_runs WHERE id = $1`,
      [runId],
    );
    expect(await jobStart(pipeline.db.dataSource, runId, String(account_id))).toMatchObject({
      hasFinalResult: false,
      runOpen: false,
    });
  });

  it('a job still in flight at the cancel has its result refused: the cancelled run’s summary, its results and resultsKept agree', async () => {
    const started = await post('/runs');
    const runId = String(started.body.runId);
    const [{ first, second }]: { first: string; second: string }[] =
      await pipeline.db.dataSource.query(
        `SELECT account_ids[1] AS first, account_ids[2] AS second FROM reconciliation_runs WHERE id = $1`,
        [runId],
      );
    const matched = (accountId: string) => ({
      runId,
      accountId: String(accountId),
      status: 'matched' as const,
      final: true,
      providerBalance: 100n,
      ledgerBalance: 100n,
      difference: 0n,
      inFlightAmount: null,
      currency: 'IDR',
      responseCode: '2001100',
      attempts: 1,
      providerTime: null,
      asOf: null,
      externalId: null,
      errorMessage: null,
    });
    expect(
      await saveResult(pipeline.db.dataSource, matched(first), pipeline.config.RECON_TOLERANCE),
    ).toMatchObject({
      written: true,
      runClosed: false,
    });
    const cancelled = await post(`/runs/${runId}/cancel`);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', resultsKept: 1 });
    // The job in flight finishes after the cancel: its result is not saved (it was, and the
    // run then read "1 matched" above 2 results).
    expect(
      await saveResult(pipeline.db.dataSource, matched(second), pipeline.config.RECON_TOLERANCE),
    ).toMatchObject({
      written: false,
      runClosed: true,
    });
    const report = (await loadRunReport(pipeline.db.dataSource, runId))!;
    expect(report.results).toHaveLength(1);
    expect(report.run.counts.matched).toBe(1);
    expect(report.run.completedCount).toBe(1);
  });

  it('POST /runs with a body that is JSON but no object (null) says so; one that is not JSON says that', async () => {
    const raw = async (body: string) => {
      const res = await fetch(url + '/runs', {
        method: 'POST',
        headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
        body,
      });
      return { status: res.status, body: (await res.json()) as { errors: unknown[] } };
    };
    expect(await raw('null')).toMatchObject({
      status: 400,
      body: {
        errors: [
          { field: '(body)', value: 'null', reason: 'is JSON null, not a JSON object or array' },
        ],
      },
    });
    const broken = await raw('{"provider":');
    expect(broken.status).toBe(400);
    expect(broken.body.errors).toEqual([
      expect.objectContaining({
        field: '(body)',
        reason: expect.stringMatching(/^is not a JSON object or array \(/),
      }),
    ]);
  });

  it('POST /runs for a merchant or provider that matches no enabled account is a 400 naming the field and what there is; no run is made', async () => {
    const count = async () =>
      (
        (await pipeline.db.dataSource.query(
          `SELECT (SELECT count(*) FROM reconciliation_runs)::int AS runs, (SELECT count(*) FROM audit_log)::int AS audits`,
        )) as { runs: number; audits: number }[]
      )[0];
    const before = await count();
    const [{ merchant_id: merchant, provider }]: { merchant_id: string; provider: string }[] =
      await pipeline.db.dataSource.query(
        `SELECT merchant_id, provider FROM provider_accounts WHERE provider = 'netzme' LIMIT 1`,
      );
    const [{ finnet }]: { finnet: number }[] = await pipeline.db.dataSource.query(
      `SELECT count(*)::int AS finnet FROM provider_accounts WHERE provider = 'finnet'`,
    );
    await pipeline.db.dataSource.query(
      `UPDATE provider_accounts SET enabled = false WHERE provider = 'finnet'`,
    );
    try {
      const cases: [Record<string, string>, string[], string][] = [
        [
          { merchantId: 'NOSUCH' },
          ['merchantId'],
          'no enabled account matches merchantId "NOSUCH"; merchant "NOSUCH" has no accounts',
        ],
        [
          { provider: 'nicepay', merchantId: merchant },
          ['provider', 'merchantId'],
          `no enabled account matches provider "nicepay" and merchantId "${merchant}"; merchant "${merchant}" has accounts at ${provider}`,
        ],
        [
          { provider: 'finnet' },
          ['provider'],
          `no enabled account matches provider "finnet"; all ${finnet} are disabled`,
        ],
      ];
      for (const [body, fields, reason] of cases) {
        const refused = await post('/runs', body);
        expect(refused.status).toBe(400);
        expect(refused.body.errors).toEqual(
          fields.map((field) => ({ field, value: JSON.stringify(body[field]), reason })),
        );
      }
    } finally {
      await pipeline.db.dataSource.query(
        `UPDATE provider_accounts SET enabled = true WHERE provider = 'finnet'`,
      );
    }
    expect(await count()).toEqual(before);
    expect(await waiting()).toBe(0);
  });

  it('POST /runs with accounts re-checks exactly those; unknown accounts are a 400 naming each', async () => {
    const [a, b] = pipeline.scenario;
    const started = await post('/runs', {
      accounts: [
        { provider: a.provider, accountNo: a.accountNo },
        { provider: b.provider, accountNo: b.accountNo },
      ],
    });
    expect(started).toMatchObject({ status: 202, body: { accountCount: 2 } });
    const [{ ids }]: { ids: string[] }[] = await pipeline.db.dataSource.query(
      `SELECT account_ids::text[] AS ids FROM reconciliation_runs WHERE id = $1`,
      [started.body.runId],
    );
    expect(ids.sort()).toEqual(
      [
        pipeline.accountIds.get(accountKeyText(a))!,
        pipeline.accountIds.get(accountKeyText(b))!,
      ].sort(),
    );
    const bad = await post('/runs', {
      accounts: [
        { provider: a.provider, accountNo: a.accountNo },
        { provider: 'netzme', accountNo: 'NZ-NOPE' },
      ],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toBe('invalid request body');
    expect(bad.body.errors).toEqual([
      {
        field: 'accounts[1]',
        value: '{"provider":"netzme","accountNo":"NZ-NOPE"}',
        reason: 'is not a known account',
      },
    ]);
    // A disabled account is refused by name too, and nothing is started.
    const [c] = pipeline.scenario.slice(2);
    await pipeline.db.dataSource.query(
      `UPDATE provider_accounts SET enabled = false WHERE id = $1`,
      [pipeline.accountIds.get(accountKeyText(c))],
    );
    try {
      const disabled = await post('/runs', {
        accounts: [{ provider: c.provider, accountNo: c.accountNo }],
      });
      expect(disabled.status).toBe(400);
      expect(disabled.body.errors).toEqual([
        {
          field: 'accounts[0]',
          value: JSON.stringify({ provider: c.provider, accountNo: c.accountNo }),
          reason: 'is disabled',
        },
      ]);
    } finally {
      await pipeline.db.dataSource.query(
        `UPDATE provider_accounts SET enabled = true WHERE id = $1`,
        [pipeline.accountIds.get(accountKeyText(c))],
      );
    }
    const both = await post('/runs', {
      provider: 'netzme',
      accounts: [{ provider: 'netzme', accountNo: 'x' }],
    });
    expect(both.status).toBe(400);
    expect(JSON.stringify(both.body)).toContain(
      'give accounts, or provider / merchantId, not both',
    );
    await pipeline.producer.get(RunsService).cancel(String(started.body.runId), 'test');
  });

  /**
   * A real tick job, taken as a worker would, from a queue of its own (the producer's schedule
   * worker would take one from the schedule queue first).
   */
  async function tickJob() {
    const queue = new Queue(`test-ticks-${randomUUID()}`, {
      connection,
      prefix: queuePrefix(config),
    });
    ticks.push(queue);
    await queue.add(JOB.scheduledRun, {}, { jobId: `tick-${randomUUID()}` });
    const grabber = new Worker(queue.name, null, {
      connection,
      prefix: queuePrefix(config),
      autorun: false,
    });
    const token = randomUUID();
    const job = (await grabber.getNextJob(token, { block: false }))!;
    return { queue, job, token, close: () => grabber.close() };
  }

  it('a scheduled tick while a run of the same scope is running is skipped and recorded (skip), or waits (queue)', async () => {
    const runs = pipeline.producer.get(RunsService);
    const running = await runs.start('api');
    const logger = pino({ level: 'silent' });
    const ds = pipeline.db.dataSource;
    const skip = new ScheduleProcessor(runs, logger, config, ds);
    const first = await tickJob();
    try {
      const outcome = (await skip.process(first.job, first.token)) as { runId: string };
      expect(outcome).toMatchObject({ created: false, skipped: true });
      expect(await runRow(outcome.runId)).toMatchObject({
        status: 'skipped',
        account_count: 0,
        note: `skipped: run ${running.runId} of the same scope was still running`,
      });
      // "latest" is the run still checking accounts, never the skipped tick; and nothing of it
      // reads as an all-clear while it runs.
      const latest = (await loadRunReport(ds, 'latest'))!;
      expect(latest.run.id).toBe(running.runId);
      const skipped = (await loadRunReport(ds, outcome.runId))!;
      expect(reportToTable(skipped)).toContain(
        'no account checked: this scheduled run was skipped (a run of its scope was still running)',
      );
      expect(reportToTable(skipped)).not.toContain('every account matched');
    } finally {
      await first.close();
    }
    const queued = new ScheduleProcessor(
      runs,
      logger,
      { ...config, SCHEDULE_OVERLAP: 'queue' },
      ds,
    );
    const second = await tickJob();
    try {
      const before = Date.now();
      await expect(queued.process(second.job, second.token)).rejects.toBeInstanceOf(DelayedError);
      expect(await second.queue.getJobState(second.job.id!)).toBe('delayed');
      const job = (await second.queue.getJob(second.job.id!))!;
      // Back in about QUEUED_TICK_RETRY_MS (BullMQ keeps the instant to the ms of its own clock).
      expect(job.timestamp + job.delay).toBeGreaterThan(before + QUEUED_TICK_RETRY_MS - 1_000);
    } finally {
      await second.close();
    }
    // Once the run is over, the tick starts a run.
    await runs.cancel(running.runId, 'test');
    const third = await tickJob();
    try {
      expect(await skip.process(third.job, third.token)).toMatchObject({ created: true });
    } finally {
      await third.close();
    }
  });
});
