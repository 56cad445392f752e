import { Job, Worker } from 'bullmq';
import IORedis from 'ioredis';
import { Agent, request } from 'undici';
import { BALANCE_QUEUES } from '@app/queue';

/**
 * A ceiling worker process: the same queues, concurrency, stalled-job settings and keep-alive
 * HTTP pool (undici, 64 connections, as `SnapHttp`) as a real worker, but the processor only
 * POSTs once to a do-nothing endpoint. No Nest, no Postgres, no signing.
 */
const url = process.env.TARGET_URL!;
const prefix = process.env.QUEUE_PREFIX!;
const concurrency = Number(process.env.CONCURRENCY);
const connection = new IORedis(process.env.REDIS_URL!, { maxRetriesPerRequest: null });
const agent = new Agent({
  connect: { timeout: 5_000 },
  connections: 64,
  keepAliveTimeout: 30_000,
  pipelining: 1,
});
// About the size of a balance inquiry body.
const body = JSON.stringify({
  partnerReferenceNo: '0000000000000000000000000000000000000000',
  accountNo: 'NZ00000000',
  balanceTypes: ['CASH'],
  additionalInfo: {},
});

async function processor(
  job: Job<{ accountId: string }>,
): Promise<{ kind: string; status: string }> {
  const res = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-external-id': String(job.data.accountId) },
    body,
    dispatcher: agent,
    headersTimeout: 15_000,
    bodyTimeout: 15_000,
  });
  await res.body.text();
  return { kind: 'saved', status: res.statusCode === 200 ? 'matched' : 'error' };
}

const workers = BALANCE_QUEUES.map(
  (name) =>
    new Worker(name, processor, {
      connection,
      prefix,
      concurrency,
      stalledInterval: 30_000,
      maxStalledCount: 2,
    }),
);

process.once('SIGTERM', () => {
  void Promise.all(workers.map((w) => w.close()))
    .then(() => agent.close())
    .then(() => connection.quit())
    .finally(() => process.exit(0));
});
