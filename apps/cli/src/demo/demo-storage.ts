/**
 * The demo starts from nothing: it drops its Postgres schema and deletes its Redis keys. It
 * does so only to what is its own: the default names (`snap_recon_demo`, `snap-recon-demo`),
 * a schema or prefix it marked in an earlier demo, or one not in use (no schema or an empty
 * one, no key). It marks them again at once, before migrating, so a demo stopped half-way does
 * not lock the next one out. A `DATABASE_SCHEMA` or `QUEUE_PREFIX` left in the environment for
 * a real deployment is refused, naming it, instead of emptied (a tester lost a table that way).
 */
import type { AppConfig } from '@app/config';
import { barePrefix, createRedisConnection, deletePrefixKeys, hasPrefixKeys } from '@app/infra';
import { databaseRepository } from '@app/ledger';

type SqlRunner = databaseRepository.SqlRunner;

export const DEMO_SCHEMA = 'snap_recon_demo';
export const DEMO_QUEUE_PREFIX = 'snap-recon-demo';
/** The comment on a schema, and the value of a marker key, that the demo made. */
const MARK = 'snap-recon demo: dropped and made again by the next npm run demo';

type StorageConfig = Parameters<typeof deletePrefixKeys>[0] & Pick<AppConfig, 'DATABASE_SCHEMA'>;

/** The key marking a queue prefix as the demo's (under the prefix: deleted with it). */
const markerKey = (config: StorageConfig) => `${barePrefix(config)}:demo`;

/** Throws, naming the setting, unless the schema and the prefix are the demo's to empty. */
export async function checkDemoStorage(db: SqlRunner, config: StorageConfig): Promise<void> {
  const schema = config.DATABASE_SCHEMA;
  const comment = await databaseRepository.schemaComment(db, schema);
  if (
    schema !== DEMO_SCHEMA &&
    comment !== undefined &&
    comment !== MARK &&
    (await databaseRepository.schemaHasRelations(db, schema))
  ) {
    throw new Error(
      `DATABASE_SCHEMA "${schema}" exists and was not made by the demo, which drops its schema: unset DATABASE_SCHEMA (the demo uses ${DEMO_SCHEMA}) or name one that does not exist or is empty`,
    );
  }
  const prefix = config.QUEUE_PREFIX;
  if (prefix !== DEMO_QUEUE_PREFIX && (await hasPrefixKeys(config))) {
    const redis = createRedisConnection(config, 'snap-recon-demo');
    try {
      if ((await redis.get(markerKey(config))) !== MARK) {
        throw new Error(
          `QUEUE_PREFIX "${prefix}" has Redis keys the demo did not make, and the demo deletes its prefix's keys: unset QUEUE_PREFIX (the demo uses ${DEMO_QUEUE_PREFIX}) or name an unused one`,
        );
      }
    } finally {
      redis.disconnect();
    }
  }
}

/**
 * Empties the demo's schema and keys ({@link checkDemoStorage} first) and marks both as the
 * demo's: an empty, marked schema for the migrations, a marker key under the prefix.
 */
export async function clearDemoStorage(db: SqlRunner, config: StorageConfig): Promise<void> {
  await databaseRepository.dropSchema(db, config.DATABASE_SCHEMA);
  await databaseRepository.createSchema(db, config.DATABASE_SCHEMA);
  await databaseRepository.commentOnSchema(db, config.DATABASE_SCHEMA, MARK);
  // Queues and cached tokens of an earlier demo would clash with new run ids. Deleted through
  // the apps' connection factory: every master of a Cluster, Sentinel's master.
  await deletePrefixKeys(config);
  const redis = createRedisConnection(config, 'snap-recon-demo');
  try {
    await redis.set(markerKey(config), MARK);
  } finally {
    redis.disconnect();
  }
}
