import { NestFactory } from '@nestjs/core';
import pino from 'pino';
import { ProducerModule } from '../apps/producer/src/producer.module';
import { deleteRedisKeys } from './support/redis-cleanup';
import { createTestDatabase } from './support/test-database';
import { testConfig } from './support/test-config';

/**
 * An app stopped right after it started (a deploy rolled back, a pod killed during start-up)
 * closes BullMQ workers whose connections are still being set up. BullMQ then reports the
 * disconnect as an 'error' event after removing its listeners, which crashed the process with
 * an uncaught "Connection is closed" (seen as a flaky test). Jest fails a test on any uncaught
 * error, so twenty quick start-stop cycles without one are the check.
 */
describe('an app stopped right after it started', () => {
  const config = testConfig();
  let db: Awaited<ReturnType<typeof createTestDatabase>>;

  beforeAll(async () => {
    db = await createTestDatabase(config);
  });
  afterAll(async () => {
    await db.drop();
    await deleteRedisKeys(config.REDIS_URL, config.QUEUE_PREFIX);
  });

  it('closes without an uncaught connection error, twenty times in a row', async () => {
    for (let i = 0; i < 20; i++) {
      const app = await NestFactory.createApplicationContext(
        ProducerModule.forRoot(config, pino({ level: 'silent' })),
        { logger: false },
      );
      await app.close();
    }
    // Errors BullMQ emits after close surface on a later turn: give them the chance.
    await new Promise((r) => setTimeout(r, 500));
  }, 60_000);
});
