import { NestFactory } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import pino from 'pino';
import { DataSource } from 'typeorm';
import { runMigrations } from '@app/infra';
import { balanceJobOptions, balanceQueueName } from '@app/queue';
import { createRun, enqueueRun } from '@app/reconciliation';
import { PROVIDERS, ProviderName } from '@app/snap';
import { CliModule } from '../apps/cli/src/cli.module';
import type { BenchContext } from './context';
import { deleteKeys } from './context';
import { redisCpuSeconds } from './proc';
import { median, msSince, round } from './stats';

export interface EnqueueFigures {
  accounts: number;
  passes: number;
  /** createRun (one INSERT ... SELECT of the account ids), seconds, median. */
  createRunSeconds: number | null;
  /** enqueueRun (the accounts query, then addBulk per provider per 1,000 accounts), seconds. */
  enqueueRunSeconds: number | null;
  totalSeconds: number | null;
  /** Jobs per second of the whole. */
  perSecond: number | null;
  /** The total for 100,000 accounts: measured when `accounts` is 100,000, else scaled linearly. */
  per100kSeconds: number | null;
  extrapolated: boolean;
  /** CPU seconds during the enqueue (medians): this process (the producer), Redis. */
  producerCpuSeconds: number | null;
  redisCpuSeconds: number | null;
}

/**
 * Section 4: create a run over `enqueueAccounts` accounts and enqueue one job per account with
 * the real `createRun` and `enqueueRun` on the queues the producer's Nest module provides (no
 * worker consuming), in its own schema and queue prefix.
 */
export async function benchEnqueue(ctx: BenchContext): Promise<EnqueueFigures> {
  const { options } = ctx;
  const n = options.enqueueAccounts;
  const schema = `bench_enqueue_${ctx.id}`;
  ctx.dropSchemaAtCleanup(schema);
  await runMigrations({
    DATABASE_URL: ctx.databaseUrl,
    DATABASE_SCHEMA: schema,
    DATABASE_POOL_SIZE: 1,
  });
  const seedDs = await ctx.dataSource(schema, 1);
  await seedDs.query(`INSERT INTO merchants (id, name) VALUES ('bench-enqueue', 'bench enqueue')`);
  await seedDs.query(
    `INSERT INTO provider_accounts (merchant_id, provider, account_no)
     SELECT 'bench-enqueue', (ARRAY['netzme', 'nicepay', 'finnet'])[(i - 1) % 3 + 1], 'E' || lpad(i::text, 8, '0')
       FROM generate_series(1, $1::int) i`,
    [n],
  );
  await seedDs.query(`ANALYZE provider_accounts`);
  const create: number[] = [];
  const enqueue: number[] = [];
  const producerCpu: number[] = [];
  const redisCpu: number[] = [];
  const redis = ctx.redis();
  ctx.onCleanup('close Redis', () => redis.quit());
  for (let pass = 0; pass < options.repeat; pass++) {
    const prefix = `bench-${ctx.id}-enqueue${pass}`;
    ctx.deleteKeysAtCleanup(prefix);
    const config = ctx.config(schema, prefix);
    const app = await NestFactory.createApplicationContext(
      CliModule.forRoot(config, pino({ level: 'silent' })),
      {
        logger: ['error'],
      },
    );
    try {
      const ds = app.get(DataSource);
      const queues = Object.fromEntries(
        PROVIDERS.map((p) => [p, app.get<Queue>(getQueueToken(balanceQueueName(p)))]),
      ) as Record<ProviderName, Queue>;
      // Connections warm, as in a producer that has been up for a while.
      await ds.query('SELECT 1');
      await Promise.all(Object.values(queues).map((q) => q.getJobCounts()));
      const cpu0 = process.cpuUsage();
      const redis0 = await redisCpuSeconds(redis);
      let t = process.hrtime.bigint();
      const run = await createRun(ds, 'cli');
      create.push(msSince(t) / 1000);
      t = process.hrtime.bigint();
      const { submitted } = await enqueueRun(ds, queues, run.runId, balanceJobOptions(config));
      enqueue.push(msSince(t) / 1000);
      const cpu = process.cpuUsage(cpu0);
      producerCpu.push((cpu.user + cpu.system) / 1e6);
      const redis1 = await redisCpuSeconds(redis);
      if (redis0 !== null && redis1 !== null) redisCpu.push(redis1 - redis0);
      if (submitted !== n) throw new Error(`enqueueRun submitted ${submitted} of ${n} jobs`);
    } finally {
      await app.close();
      await deleteKeys(ctx, prefix);
    }
  }
  const totals = create.map((c, i) => c + enqueue[i]);
  const total = median(totals);
  return {
    accounts: n,
    passes: options.repeat,
    createRunSeconds: round(median(create), 3),
    enqueueRunSeconds: round(median(enqueue), 2),
    totalSeconds: round(total, 2),
    perSecond: round(n / total, 0),
    per100kSeconds: round((total * 100_000) / n, 2),
    extrapolated: n !== 100_000,
    producerCpuSeconds: round(median(producerCpu), 2),
    redisCpuSeconds: round(median(redisCpu), 2),
  };
}
