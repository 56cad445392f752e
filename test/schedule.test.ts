import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import pino from 'pino';
import { queuePrefix } from '@app/infra';
import { SCHEDULE_QUEUE, SCHEDULER_ID } from '@app/queue';
import { ProducerModule } from '../apps/producer/src/producer.module';
import { deleteRedisKeys } from './support/redis-cleanup';
import { createTestDatabase } from './support/test-database';
import { testConfig } from './support/test-config';

describe('scheduled runs', () => {
  const config = testConfig({ SCHEDULE_CRON: '*/2 * * * * *', SCHEDULE_CHECK_INTERVAL_MS: '500' });
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let producer: INestApplicationContext;
  let queue: Queue;

  beforeAll(async () => {
    db = await createTestDatabase(config);
    queue = new Queue(SCHEDULE_QUEUE, {
      connection: { url: config.REDIS_URL },
      prefix: queuePrefix(config),
    });
  });
  afterAll(async () => {
    await queue.close();
    await db.drop();
    await deleteRedisKeys(config.REDIS_URL, config.QUEUE_PREFIX);
  });

  it('creates one run per cron tick through the BullMQ job scheduler', async () => {
    producer = await NestFactory.createApplicationContext(
      ProducerModule.forRoot(config, pino({ level: 'silent' })),
      { logger: false },
    );
    expect((await queue.getJobScheduler(SCHEDULER_ID))?.pattern).toBe('*/2 * * * * *');
    const deadline = Date.now() + 20_000;
    let runs: { trigger: string; schedule_key: string }[] = [];
    while (runs.length < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      runs = await db.dataSource.query(
        `SELECT trigger, schedule_key FROM reconciliation_runs ORDER BY id`,
      );
    }
    await producer.close();
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(runs.every((r) => r.trigger === 'schedule')).toBe(true);
    expect(new Set(runs.map((r) => r.schedule_key)).size).toBe(runs.length);
  }, 30_000);

  it('removes the scheduler when no cron is configured (the default)', async () => {
    const off = { ...config, SCHEDULE_CRON: '' };
    producer = await NestFactory.createApplicationContext(
      ProducerModule.forRoot(off, pino({ level: 'silent' })),
      { logger: false },
    );
    expect(await queue.getJobScheduler(SCHEDULER_ID)).toBeUndefined();
    await producer.close();
  });

  it('re-installs the scheduler after Redis lost it, and the next tick makes a run without a restart', async () => {
    producer = await NestFactory.createApplicationContext(
      ProducerModule.forRoot(config, pino({ level: 'silent' })),
      { logger: false },
    );
    try {
      expect(await queue.getJobScheduler(SCHEDULER_ID)).toBeDefined();
      // An empty Redis, as far as this producer can tell: every key of its prefix gone (the
      // shared Redis is never flushed; the chaos suite wipes a private one whole).
      await deleteRedisKeys(config.REDIS_URL, config.QUEUE_PREFIX);
      const wipedAt = new Date();
      expect(await queue.getJobScheduler(SCHEDULER_ID)).toBeUndefined();
      const deadline = Date.now() + 20_000;
      let after: { schedule_key: string }[] = [];
      while (after.length === 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        after = await db.dataSource.query(
          `SELECT schedule_key FROM reconciliation_runs WHERE started_at > $1`,
          [wipedAt],
        );
      }
      expect(await queue.getJobScheduler(SCHEDULER_ID)).toBeDefined();
      expect(after.length).toBeGreaterThanOrEqual(1);
    } finally {
      await producer.close();
    }
  }, 30_000);

  it('a schedule a newer producer turned off stays off while an older one still runs with it on (a rolling deploy); the next producer started with it on installs it again', async () => {
    const older = await NestFactory.createApplicationContext(
      ProducerModule.forRoot(config, pino({ level: 'silent' })),
      { logger: false },
    );
    try {
      expect(await queue.getJobScheduler(SCHEDULER_ID)).toBeDefined();
      const newer = await NestFactory.createApplicationContext(
        ProducerModule.forRoot({ ...config, SCHEDULE_CRON: '' }, pino({ level: 'silent' })),
        { logger: false },
      );
      await newer.close();
      expect(await queue.getJobScheduler(SCHEDULER_ID)).toBeUndefined();
      // Several of the older producer's checks (every 500 ms): it re-installed it before.
      await new Promise((r) => setTimeout(r, 2_000));
      expect(await queue.getJobScheduler(SCHEDULER_ID)).toBeUndefined();
    } finally {
      await older.close();
    }
    producer = await NestFactory.createApplicationContext(
      ProducerModule.forRoot(config, pino({ level: 'silent' })),
      { logger: false },
    );
    try {
      expect((await queue.getJobScheduler(SCHEDULER_ID))?.pattern).toBe('*/2 * * * * *');
    } finally {
      await producer.close();
    }
  }, 30_000);

  it('turning a schedule off writes its mark before it removes the scheduler: never gone without the mark, which an older producer would re-install', async () => {
    producer = await NestFactory.createApplicationContext(
      ProducerModule.forRoot(config, pino({ level: 'silent' })),
      { logger: false },
    );
    await producer.close();
    expect(await queue.getJobScheduler(SCHEDULER_ID)).toBeDefined();
    // Every command Redis runs, in its own order, while a producer turns the schedule off.
    const monitor = await new Redis(config.REDIS_URL).monitor();
    const commands: string[][] = [];
    monitor.on('monitor', (_time: string, args: string[]) => commands.push(args));
    try {
      const off = await NestFactory.createApplicationContext(
        ProducerModule.forRoot({ ...config, SCHEDULE_CRON: '' }, pino({ level: 'silent' })),
        { logger: false },
      );
      await off.close();
      expect(await queue.getJobScheduler(SCHEDULER_ID)).toBeUndefined();
    } finally {
      monitor.disconnect();
    }
    const markAt = commands.findIndex(
      (a) => a[0].toLowerCase() === 'set' && a[1].endsWith(`:turned-off:${SCHEDULER_ID}`),
    );
    // BullMQ's removeJobScheduler script: keys repeat, delayed, events; then the scheduler id.
    const removeAt = commands.findIndex(
      (a) =>
        ['evalsha', 'eval'].includes(a[0].toLowerCase()) &&
        a[2] === '3' &&
        a[3].endsWith(':repeat') &&
        a[6] === SCHEDULER_ID,
    );
    expect(markAt).toBeGreaterThanOrEqual(0);
    expect(removeAt).toBeGreaterThanOrEqual(0);
    expect(markAt).toBeLessThan(removeAt);
  }, 30_000);
});
