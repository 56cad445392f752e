import { Cluster, Redis } from 'ioredis';
import { loadConfig } from '@app/config';
import {
  balanceQueuePrefix,
  createRedisConnection,
  prefixPatterns,
  providerKeyPrefix,
  queuePrefix,
  redisAuth,
  redisMode,
  tokenKeyPrefix,
} from './redis-connection';

const config = (env: Record<string, string>) => loadConfig({ NODE_ENV: 'development', ...env });

describe('redisAuth: the same credentials in every mode', () => {
  it('takes username, password and TLS from REDIS_URL', () => {
    expect(redisAuth(config({ REDIS_URL: 'rediss://app:s%40cret@redis.internal:6380' }))).toEqual({
      username: 'app',
      password: 's@cret',
      tls: {},
    });
  });

  it('explicit settings win over REDIS_URL, and apply to Cluster and Sentinel too', () => {
    const c = config({
      REDIS_URL: 'redis://app:from-url@127.0.0.1:6379',
      REDIS_USERNAME: 'ops',
      REDIS_PASSWORD: 'explicit',
      REDIS_TLS: 'true',
      REDIS_CLUSTER_NODES: '10.0.0.1:6379,10.0.0.2:6379',
    });
    expect(redisMode(c)).toBe('cluster');
    expect(redisAuth(c)).toEqual({ username: 'ops', password: 'explicit', tls: {} });
  });

  it('no credentials and no TLS by default', () => {
    expect(redisAuth(config({}))).toEqual({ username: undefined, password: undefined });
  });

  it('a REDIS_TLS_CA_FILE that cannot be read is named with its path and reason (it was a bare ENOENT; found by a review)', () => {
    expect(() =>
      redisAuth(
        config({ REDIS_URL: 'rediss://h:1', REDIS_TLS_CA_FILE: '/no/such/dir/redis-ca.pem' }),
      ),
    ).toThrow('REDIS_TLS_CA_FILE="/no/such/dir/redis-ca.pem": cannot read it (ENOENT)');
  });

  it('REDIS_TLS=false turns TLS off even for rediss://', () => {
    expect(
      redisAuth(config({ REDIS_URL: 'rediss://h:1', REDIS_TLS: 'false' })).tls,
    ).toBeUndefined();
  });
});

describe('createRedisConnection passes the credentials in every mode', () => {
  const secured = {
    REDIS_USERNAME: 'ops',
    REDIS_PASSWORD: 'data-password',
    REDIS_TLS: 'true',
    REDIS_SENTINEL_PASSWORD: 'sentinel-password',
  };
  // Nothing listens on port 1: the connections are built, inspected and dropped.
  it('to every Cluster node', () => {
    const c = createRedisConnection(config({ ...secured, REDIS_CLUSTER_NODES: '127.0.0.1:1' }));
    try {
      expect(c).toBeInstanceOf(Cluster);
      expect((c as Cluster).options.redisOptions).toMatchObject({
        username: 'ops',
        password: 'data-password',
        tls: {},
      });
    } finally {
      c.on('error', () => undefined);
      c.disconnect();
    }
  });

  it('to the Sentinel master and, with their own password, to the sentinels', () => {
    const r = createRedisConnection(config({ ...secured, REDIS_SENTINELS: '127.0.0.1:1' }));
    try {
      expect((r as Redis).options).toMatchObject({
        username: 'ops',
        password: 'data-password',
        tls: {},
        sentinelPassword: 'sentinel-password',
        enableTLSForSentinelMode: true,
      });
    } finally {
      r.on('error', () => undefined);
      r.disconnect();
    }
  });
});

describe('key prefixes', () => {
  const single = { QUEUE_PREFIX: 'snap-recon', REDIS_CLUSTER_NODES: [] };
  const cluster = { QUEUE_PREFIX: 'snap-recon', REDIS_CLUSTER_NODES: ['10.0.0.1:6379'] };

  it('one hash tag per provider on Cluster, the common tag for the rest', () => {
    expect(queuePrefix(cluster)).toBe('{snap-recon}');
    expect(providerKeyPrefix(cluster, 'netzme')).toBe('{snap-recon:netzme}');
    expect(balanceQueuePrefix(cluster, 'finnet')).toBe('{snap-recon:finnet}');
    expect(tokenKeyPrefix(cluster)).toBe('snap-recon:token');
  });

  it('a prefix that already carries braces is not tagged twice', () => {
    const braced = { ...cluster, QUEUE_PREFIX: '{mine}' };
    expect(queuePrefix(braced)).toBe('{mine}');
    expect(providerKeyPrefix(braced, 'nicepay')).toBe('{mine:nicepay}');
    expect(tokenKeyPrefix(braced)).toBe('mine:token');
  });

  it('unchanged key names on a single node and Sentinel', () => {
    expect(queuePrefix(single)).toBe('snap-recon');
    expect(balanceQueuePrefix(single, 'netzme')).toBe('snap-recon');
    expect(providerKeyPrefix(single, 'netzme')).toBe('snap-recon:netzme');
    expect(tokenKeyPrefix(single)).toBe('snap-recon:token');
  });

  it('clean-up patterns cover every form and no other prefix', () => {
    expect(prefixPatterns(cluster)).toEqual(['snap-recon:*', '{snap-recon}*', '{snap-recon:*']);
  });
});
