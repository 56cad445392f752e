import { join } from 'node:path';
import { repoRoot } from '../deploy/compose-file';
import { bareEnv, buildDist, run } from '../deploy/run-node';
import { deleteRedisKeys } from '../support/redis-cleanup';
import { uniqueSuffix } from '../support/test-config';

/**
 * The producer and the worker from dist/ (as the image runs them) with a Postgres that does not answer: after
 * TypeORM's retries (~25 s) it exits 1 with one line naming DATABASE_URL (password masked),
 * and every line before it is JSON from the app's logger. It printed Nest's coloured console
 * lines and died in Nest's exception handler with a bare "connect ECONNREFUSED".
 */
describe('start-up with Postgres not answering', () => {
  // The machine's Redis is reached before Postgres fails: the test's own keys, removed after.
  const QUEUE_PREFIX = `test-${uniqueSuffix()}`;
  beforeAll(() => buildDist(repoRoot), 300_000);
  afterAll(() => deleteRedisKeys('redis://127.0.0.1:6379', QUEUE_PREFIX));

  it.each(['producer', 'worker'])(
    '%s: exits 1 naming DATABASE_URL with its password masked, every log line JSON',
    async (app) => {
      const ran = await run(process.execPath, [join(repoRoot, `dist/apps/${app}/src/main.js`)], {
        cwd: repoRoot,
        env: bareEnv({
          NODE_ENV: 'development',
          LOG_LEVEL: 'info',
          DATABASE_URL: 'postgres://postgres:start-Pa55word@127.0.0.1:1/none',
          REDIS_URL: 'redis://127.0.0.1:6379',
          QUEUE_PREFIX,
          HOST: '127.0.0.1',
          PORT: '0',
          WORKER_METRICS_PORT: '0',
        }),
        timeoutMs: 90_000,
      });
      expect(ran.code).toBe(1);
      expect(ran.stderr).toBe(
        `${app} failed to start: cannot connect to Postgres at DATABASE_URL=postgres://postgres:***@127.0.0.1:1/none: connect ECONNREFUSED 127.0.0.1:1\n`,
      );
      const lines = ran.stdout.split('\n').filter(Boolean);
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
      expect(ran.stdout + ran.stderr).not.toContain('start-Pa55word');
    },
    120_000,
  );
});
