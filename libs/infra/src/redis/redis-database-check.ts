import IORedis, { Cluster, Redis } from 'ioredis';
import type { AppConfig } from '@app/config';
import { redisAuth, redisMode } from './redis-connection';

type Settings = Pick<
  AppConfig,
  | 'REDIS_URL'
  | 'REDIS_SENTINELS'
  | 'REDIS_CLUSTER_NODES'
  | 'REDIS_USERNAME'
  | 'REDIS_PASSWORD'
  | 'REDIS_TLS'
  | 'REDIS_TLS_CA_FILE'
>;

/** What Redis answers a SELECT of a number at or above its `databases` setting. */
export const isDatabaseOutOfRange = (e: unknown): boolean =>
  /DB index is out of range/i.test((e as Error)?.message ?? '');

/** The database number `REDIS_URL` selects (`redis://host:6379/3` → 3; none → 0). */
export const redisDatabaseOf = (url: string): number => Number(new URL(url).pathname.slice(1) || 0);

/** Names the setting and the server, never the URL's password. */
export function databaseOutOfRangeMessage(url: string): string {
  const { host } = new URL(url);
  return (
    `REDIS_URL selects database ${redisDatabaseOf(url)}, which the Redis at ${host} does not ` +
    `have (Redis answered "DB index is out of range"; it has databases 0 to its \`databases\` ` +
    `setting − 1, 0-15 by default)`
  );
}

/**
 * Refuses to start on a database number the Redis server does not have. ioredis does not
 * stop there: its SELECT fails, it emits an error, and then it goes on, on database 0, where
 * another application's keys may be. A Redis that does not answer within `timeoutMs` is left
 * to the app's own handling of a Redis outage ({@link guardDatabaseSelection} covers a Redis
 * that comes up later). Single-node mode only: Cluster has only database 0, Sentinel's
 * master is chosen by name.
 */
export async function assertRedisDatabaseExists(config: Settings, timeoutMs = 3_000) {
  if (redisMode(config) !== 'single' || redisDatabaseOf(config.REDIS_URL) === 0) return;
  const probe = new IORedis(config.REDIS_URL, {
    ...redisAuth(config),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectionName: 'snap-recon-database-check',
  });
  probe.on('error', () => undefined); // the SELECT below reports it
  try {
    await probe.connect();
  } catch {
    probe.disconnect();
    return;
  }
  try {
    await probe.select(redisDatabaseOf(config.REDIS_URL));
  } catch (e) {
    if (isDatabaseOutOfRange(e)) throw new Error(databaseOutOfRangeMessage(config.REDIS_URL));
    throw e;
  } finally {
    probe.disconnect();
  }
}

/**
 * For a connection made while Redis was down: when it comes up refusing the database, the
 * connection is closed (it would otherwise go on on database 0) and `onRefused` is told once.
 */
export function guardDatabaseSelection(
  connection: Redis | Cluster,
  url: string,
  onRefused: (message: string) => void,
): void {
  if (connection instanceof Cluster) return;
  connection.on('error', (e: Error) => {
    if (!isDatabaseOutOfRange(e) || connection.status === 'end') return;
    connection.disconnect();
    onRefused(databaseOutOfRangeMessage(url));
  });
}
