import IORedis from 'ioredis';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@app/infra';
import { checkDemoStorage, clearDemoStorage } from '../apps/cli/src/demo/demo-storage';
import { deleteRedisKeys } from './support/redis-cleanup';
import { testConfig } from './support/test-config';

/**
 * The demo empties only what is its own: a tester who had a real deployment's DATABASE_SCHEMA
 * and QUEUE_PREFIX in the environment lost a table and a key to `npm run demo`.
 */
describe('the demo’s storage (real Postgres and Redis)', () => {
  const config = testConfig();
  const redis = new IORedis(config.REDIS_URL);
  let ds: DataSource;
  const schemaExists = async () =>
    (await ds.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [config.DATABASE_SCHEMA]))
      .length === 1;

  beforeAll(async () => {
    // Connected to the database, not to the schema under test (it comes and goes).
    ds = new DataSource(dataSourceOptions({ ...config, DATABASE_SCHEMA: 'public' }));
    await ds.initialize();
  });
  afterAll(async () => {
    await ds.query(`DROP SCHEMA IF EXISTS "${config.DATABASE_SCHEMA}" CASCADE`);
    await ds.destroy();
    await deleteRedisKeys(config.REDIS_URL, config.QUEUE_PREFIX);
    redis.disconnect();
  });

  it('refuses a schema it did not make, naming DATABASE_SCHEMA, and leaves it whole', async () => {
    await ds.query(`CREATE SCHEMA "${config.DATABASE_SCHEMA}"`);
    await ds.query(`CREATE TABLE "${config.DATABASE_SCHEMA}".precious (x int)`);
    await expect(checkDemoStorage(ds, config)).rejects.toThrow(
      `DATABASE_SCHEMA "${config.DATABASE_SCHEMA}" exists and was not made by the demo`,
    );
    expect(await schemaExists()).toBe(true);
    await ds.query(`DROP SCHEMA "${config.DATABASE_SCHEMA}" CASCADE`);
  });

  it('refuses a queue prefix holding keys it did not make, naming QUEUE_PREFIX', async () => {
    await redis.set(`${config.QUEUE_PREFIX}:precious`, '1');
    await expect(checkDemoStorage(ds, config)).rejects.toThrow(
      `QUEUE_PREFIX "${config.QUEUE_PREFIX}" has Redis keys the demo did not make`,
    );
    expect(await redis.get(`${config.QUEUE_PREFIX}:precious`)).toBe('1');
    await redis.del(`${config.QUEUE_PREFIX}:precious`);
  });

  it('takes a schema and prefix not in use (none, or an empty schema), and marks them at once for the next demo', async () => {
    await expect(checkDemoStorage(ds, config)).resolves.toBeUndefined();
    await ds.query(`CREATE SCHEMA "${config.DATABASE_SCHEMA}"`);
    await expect(checkDemoStorage(ds, config)).resolves.toBeUndefined();
    await clearDemoStorage(ds, config);
    // Marked before any migration: a demo stopped now does not lock the next one out.
    expect(await schemaExists()).toBe(true);
    await ds.query(`CREATE TABLE "${config.DATABASE_SCHEMA}".runs (x int)`);
    await redis.set(`${config.QUEUE_PREFIX}:bull:queue:id`, '7');
    await expect(checkDemoStorage(ds, config)).resolves.toBeUndefined();
    await clearDemoStorage(ds, config);
    const tables: unknown[] = await ds.query('SELECT 1 FROM pg_tables WHERE schemaname = $1', [
      config.DATABASE_SCHEMA,
    ]);
    expect(tables).toEqual([]);
    expect(await redis.exists(`${config.QUEUE_PREFIX}:bull:queue:id`)).toBe(0);
  });
});
