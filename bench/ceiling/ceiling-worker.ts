import { Job, Worker } from 'bullmq';
import { Agent, request } from 'undici';
import { loadConfig } from '@app/config';
import { balanceQueuePrefix, createRedisConnection } from '@app/infra';
import { balanceQueueName } from '@app/queue';
import { PROVIDERS } from '@app/snap';

/**
 * A ceiling worker process: the same queues, concurrency, stalled-job settings and keep-alive
 * HTTP pool (undici, 64 connections, as `SnapHttp`) as a real worker, but the processor only
 * POSTs once to a do-nothing endpoint. No Nest, no Postgres, no signing.
 */
const url = process.env.TARGET_URL!;
const concurrency = Number(process.env.CONCURRENCY);
// REDIS_URL, QUEUE_PREFIX and any Sentinel / Cluster settings, read as the worker reads them.
const config = loadConfig(process.env);
const connection = createRedisConnection(config, 'snap-recon-bench-ceiling');
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

const workers = PROVIDERS.map(
  (p) =>
    new Worker(balanceQueueName(p), processor, {
      connection,
      prefix: balanceQueuePrefix(config, p),
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
