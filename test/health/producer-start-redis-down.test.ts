import type { INestApplication } from '@nestjs/common';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import pino from 'pino';
import { queuePrefix } from '@app/infra';
import { SCHEDULE_QUEUE, SCHEDULER_ID } from '@app/queue';
import { createProducerApp } from '../../apps/producer/src/producer-app';
import { deleteRedisKeys } from '../support/redis-cleanup';
import { startTcpProxy } from '../support/tcp-proxy';
import { createTestDatabase } from '../support/test-database';
import { testConfig } from '../support/test-config';

/**
 * The producer started while Redis is down listens and answers its probes (live 200, ready
 * 503 naming Redis); its start-up work that needs Redis (the schedule, resuming runs) is done
 * once Redis is back. It used to wait in its start-up, not listening at all, so a liveness
 * probe would have restarted it again and again.
 */
describe('producer started with Redis down', () => {
  const base = testConfig();
  let redis: Awaited<ReturnType<typeof startTcpProxy>>;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let app: INestApplication | undefined;

  beforeAll(async () => {
    const redisUrl = new URL(base.REDIS_URL);
    redis = await startTcpProxy(redisUrl.hostname, Number(redisUrl.port || 6379));
    db = await createTestDatabase(base);
  });
  afterAll(async () => {
    await app?.close();
    await db.drop();
    await deleteRedisKeys(base.REDIS_URL, base.QUEUE_PREFIX);
    await redis.close();
  });

  it('listens with live 200 and ready 503 while Redis is down, and installs the schedule once Redis is back', async () => {
    const config = { ...base, REDIS_URL: redis.via(base.REDIS_URL), SCHEDULE_CRON: '0 * * * *' };
    // BullMQ prints every refused reconnect of its queues through console.error: expected here.
    const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    await redis.cut();
    app = await createProducerApp(config, pino({ level: 'silent' }));
    const started = Date.now();
    await app.init();
    expect(Date.now() - started).toBeLessThan(15_000);
    await app.listen(0, '127.0.0.1');
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
    const ready = await fetch(`${url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { error: Record<string, unknown> }).error).toHaveProperty(
      'redis',
    );

    await redis.restore();
    const connection = new IORedis(base.REDIS_URL, { maxRetriesPerRequest: null });
    const schedule = new Queue(SCHEDULE_QUEUE, { connection, prefix: queuePrefix(base) });
    try {
      let installed = null;
      for (let i = 0; i < 100 && !installed; i++) {
        installed = await schedule.getJobScheduler(SCHEDULER_ID);
        if (!installed) await new Promise((r) => setTimeout(r, 200));
      }
      expect(installed).toMatchObject({ pattern: '0 * * * *' });
      expect((await fetch(`${url}/health/ready`)).status).toBe(200);
    } finally {
      quiet.mockRestore();
      await schedule.close();
      connection.disconnect();
    }
  }, 60_000);
});
