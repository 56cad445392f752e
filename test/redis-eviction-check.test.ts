import IORedis from 'ioredis';
import { checkEvictionPolicy, createLogger } from '@app/infra';
import { LogCapture } from './support/log-capture';
import { RedisServers } from './support/redis-servers';

/** The start-up check of Redis's `maxmemory-policy`, against real redis-server processes. */
describe('Redis eviction policy check', () => {
  const servers = new RedisServers();
  afterAll(() => servers.stop());

  async function check(args: string[]) {
    const port = await servers.server(args);
    const logs = new LogCapture();
    const redis = new IORedis({ port, host: '127.0.0.1' });
    try {
      const answers = await checkEvictionPolicy(
        redis,
        createLogger({ LOG_LEVEL: 'info' }, 'test', logs),
      );
      return { answers, lines: logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
    } finally {
      redis.disconnect();
    }
  }

  it('warns naming the policy when Redis may evict keys', async () => {
    const { answers, lines } = await check(['--maxmemory-policy', 'allkeys-lru']);
    expect(answers).toEqual([
      { node: expect.stringMatching(/^127\.0\.0\.1:\d+$/), policy: 'allkeys-lru' },
    ]);
    const warned = lines.filter((l) => l.level === 40);
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ maxmemoryPolicy: 'allkeys-lru' });
    expect(String(warned[0].msg)).toContain('allkeys-lru, not noeviction');
  });

  it('stays quiet on noeviction', async () => {
    const { answers, lines } = await check(['--maxmemory-policy', 'noeviction']);
    expect(answers[0].policy).toBe('noeviction');
    expect(lines).toEqual([]);
  });

  it('says it could not check when CONFIG is refused', async () => {
    const { answers, lines } = await check(['--rename-command', 'CONFIG', '""']);
    expect(answers[0].policy).toBeNull();
    expect(lines.map((l) => l.msg)).toEqual([
      expect.stringContaining('could not read Redis maxmemory-policy'),
    ]);
  });
});
