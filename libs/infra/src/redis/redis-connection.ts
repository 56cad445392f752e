import { readFileSync } from 'node:fs';
import IORedis, { Cluster, Redis, RedisOptions } from 'ioredis';
import { AppConfig, redisTlsOn } from '@app/config';

type RedisSettings = Pick<
  AppConfig,
  | 'REDIS_URL'
  | 'REDIS_SENTINELS'
  | 'REDIS_SENTINEL_NAME'
  | 'REDIS_CLUSTER_NODES'
  | 'QUEUE_PREFIX'
  | 'REDIS_USERNAME'
  | 'REDIS_PASSWORD'
  | 'REDIS_TLS'
  | 'REDIS_TLS_CA_FILE'
  | 'REDIS_SENTINEL_PASSWORD'
>;
type PrefixSettings = Pick<AppConfig, 'REDIS_CLUSTER_NODES' | 'QUEUE_PREFIX'>;

/** How the apps reach Redis: one node, a Sentinel-watched master, or a Cluster. */
export type RedisMode = 'single' | 'sentinel' | 'cluster';

export function redisMode(
  config: Pick<AppConfig, 'REDIS_CLUSTER_NODES' | 'REDIS_SENTINELS'>,
): RedisMode {
  if (config.REDIS_CLUSTER_NODES.length > 0) return 'cluster';
  if (config.REDIS_SENTINELS.length > 0) return 'sentinel';
  return 'single';
}

const hostPort = (s: string): { host: string; port: number } => {
  const [host, port] = s.split(':');
  return { host, port: Number(port) };
};

/**
 * Username, password and TLS of the data nodes, in every mode: from `REDIS_URL`
 * (`rediss://user:password@…` turns TLS on), each overridden by `REDIS_USERNAME`,
 * `REDIS_PASSWORD`, `REDIS_TLS` when set. With TLS, `REDIS_TLS_CA_FILE` names the CA that
 * signed Redis's certificate (a private CA); without it the system's CAs are trusted.
 */
export function redisAuth(
  config: Pick<
    AppConfig,
    'REDIS_URL' | 'REDIS_USERNAME' | 'REDIS_PASSWORD' | 'REDIS_TLS' | 'REDIS_TLS_CA_FILE'
  >,
): Pick<RedisOptions, 'username' | 'password' | 'tls'> {
  const url = new URL(config.REDIS_URL);
  const username = config.REDIS_USERNAME ?? (decodeURIComponent(url.username) || undefined);
  const password = config.REDIS_PASSWORD ?? (decodeURIComponent(url.password) || undefined);
  if (!redisTlsOn(config)) return { username, password };
  const ca = config.REDIS_TLS_CA_FILE ? readCaFile(config.REDIS_TLS_CA_FILE) : undefined;
  return { username, password, tls: ca ? { ca } : {} };
}

/** The CA file's bytes, or an error naming the setting and the path (not a bare ENOENT). */
function readCaFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new Error(
      `REDIS_TLS_CA_FILE=${JSON.stringify(path)}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
}

/** How {@link createRedisConnection} sets up one connection. */
export interface RedisConnectionOptions {
  /**
   * ioredis auto-pipelining: the commands issued in one turn of the event loop leave in one
   * socket write (one syscall) instead of one each. Only for a connection of our own
   * scripts (tokens, pacing, breaker), never for one handed to BullMQ: its blocking
   * connection is a duplicate of the one it gets, and BullMQ is not tested with it (reports
   * of jobs "not in the active list" with Bull and auto-pipelining).
   */
  autoPipelining?: boolean;
}

/**
 * A Redis connection for BullMQ and the token cache: a single node from `REDIS_URL`,
 * Sentinel when `REDIS_SENTINELS` is set, Cluster when `REDIS_CLUSTER_NODES` is set; the
 * same username, password and TLS in each ({@link redisAuth}), and `REDIS_SENTINEL_PASSWORD`
 * for the sentinels themselves. `maxRetriesPerRequest: null` is what BullMQ workers require to
 * wait out a Redis restart.
 */
export function createRedisConnection(
  config: RedisSettings,
  name = 'snap-recon',
  options: RedisConnectionOptions = {},
): Redis | Cluster {
  const auth = redisAuth(config);
  const enableAutoPipelining = options.autoPipelining ?? false;
  const common: RedisOptions = {
    maxRetriesPerRequest: null,
    connectionName: name,
    enableAutoPipelining,
    ...auth,
  };
  switch (redisMode(config)) {
    case 'cluster':
      return new Cluster(config.REDIS_CLUSTER_NODES.map(hostPort), {
        redisOptions: common,
        // One pipeline per master per turn of the event loop (ioredis groups by slot owner).
        enableAutoPipelining,
        // TLS certificates name the host the operator configured, not the IP a node announces.
        ...(auth.tls ? { dnsLookup: (address, done) => done(null, address) } : {}),
      });
    case 'sentinel':
      return new IORedis({
        ...common,
        sentinels: config.REDIS_SENTINELS.map(hostPort),
        name: config.REDIS_SENTINEL_NAME,
        sentinelPassword: config.REDIS_SENTINEL_PASSWORD,
        ...(auth.tls ? { enableTLSForSentinelMode: true, sentinelTLS: auth.tls } : {}),
      });
    default:
      return new IORedis(config.REDIS_URL, common);
  }
}

/** `QUEUE_PREFIX` without braces, to build hash tags from. */
export const barePrefix = (config: PrefixSettings) => config.QUEUE_PREFIX.replace(/[{}]/g, '');

/**
 * Prefix of the queues and keys shared by every provider (schedule, webhooks, instance
 * leases). On Cluster a BullMQ queue needs all its keys in one slot: the prefix is a hash tag.
 */
export function queuePrefix(config: PrefixSettings): string {
  return config.REDIS_CLUSTER_NODES.length > 0 ? `{${barePrefix(config)}}` : config.QUEUE_PREFIX;
}

/**
 * Prefix of one provider's keys: its balance-inquiry queue, its rate limiter and its circuit
 * breaker all build their keys from this, so on Cluster each provider has its own hash tag
 * (`{<prefix>:<provider>}`, one slot, scripts may touch all of them) and the providers spread
 * over the masters. Elsewhere it is `<prefix>:<provider>`.
 */
export function providerKeyPrefix(config: PrefixSettings, provider: string): string {
  return config.REDIS_CLUSTER_NODES.length > 0
    ? `{${barePrefix(config)}:${provider}}`
    : `${config.QUEUE_PREFIX}:${provider}`;
}

/**
 * BullMQ prefix of a provider's balance-inquiry queue: its own hash tag on Cluster
 * ({@link providerKeyPrefix}), else the common {@link queuePrefix} (key names unchanged).
 */
export function balanceQueuePrefix(config: PrefixSettings, provider: string): string {
  return config.REDIS_CLUSTER_NODES.length > 0
    ? providerKeyPrefix(config, provider)
    : queuePrefix(config);
}

/**
 * Prefix of the shared token keys. The token client wraps provider and credential set in a
 * hash tag after it (`<prefix>:token:{netzme:merchant-a}:…`), so on Cluster the tokens of
 * many credential sets spread over the masters: this prefix must carry no tag of its own.
 */
export function tokenKeyPrefix(config: PrefixSettings): string {
  return `${barePrefix(config)}:token`;
}

/**
 * Every key pattern of this deployment's prefix, for clean-ups (demo, bench, tests): plain,
 * common tag and per-provider tags.
 */
export function prefixPatterns(config: PrefixSettings): string[] {
  const p = barePrefix(config);
  return [`${p}:*`, `{${p}}*`, `{${p}:*`];
}
