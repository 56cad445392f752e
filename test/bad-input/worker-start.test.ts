import { join } from 'node:path';
import { repoRoot } from '../deploy/compose-file';
import { bareEnv, buildDist, run, startNode } from '../deploy/run-node';
import { testConfig } from '../support/test-config';

/**
 * The worker from dist/ (as the image runs it) with a bad provider profile override: it stops
 * before Nest starts, with one line naming the provider, the field and its value, and no
 * stack trace.
 */
describe('worker start-up with a bad provider profile', () => {
  beforeAll(() => buildDist(repoRoot), 300_000);

  it('exits 1 naming the provider, the field and its value, with no stack trace', async () => {
    const ran = await run(process.execPath, [join(repoRoot, 'dist/apps/worker/src/main.js')], {
      cwd: repoRoot,
      env: bareEnv({
        NODE_ENV: 'development',
        LOG_LEVEL: 'info',
        // Nothing listens here: the worker must stop before it connects to anything.
        DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none',
        REDIS_URL: 'redis://127.0.0.1:1',
        SNAP_NICEPAY_PROFILE: '{"requestFieldMaxLength":{"accountNo":0}}',
      }),
      timeoutMs: 30_000,
    });
    expect(ran.code).toBe(1);
    expect(ran.stderr).toMatch(
      /^worker failed to start: provider profile "nicepay": requestFieldMaxLength\.accountNo = 0: .+\n$/,
    );
    expect(`${ran.stdout}${ran.stderr}`).not.toMatch(/\n\s+at /);
  });

  it("with Redis away, logs each connection error as a JSON line (the SNAP clients' connection printed ioredis's raw stack to stderr)", async () => {
    const config = testConfig();
    const worker = startNode(join(repoRoot, 'dist/apps/worker/src/main.js'), repoRoot, {
      ...bareEnv({
        NODE_ENV: 'development',
        LOG_LEVEL: 'info',
        DATABASE_URL: config.DATABASE_URL,
        DATABASE_SCHEMA: config.DATABASE_SCHEMA,
        REDIS_URL: 'redis://127.0.0.1:1',
        WORKER_METRICS_PORT: '0',
      }),
    });
    try {
      const deadline = Date.now() + 20_000;
      while (!worker.output().includes('"connection":"snap-recon-snap"') && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 200));
    } finally {
      await worker.stop();
    }
    const lines = worker
      .output()
      .split('\n')
      .filter((l) => l.length > 0);
    const snapErrors = lines.filter((l) => l.includes('"connection":"snap-recon-snap"'));
    expect(snapErrors.length).toBeGreaterThan(0);
    expect(JSON.parse(snapErrors[0])).toMatchObject({
      level: 40,
      msg: 'redis connection error',
      err: expect.stringContaining('ECONNREFUSED'),
    });
    expect(worker.output()).not.toContain('Unhandled error event');
    expect(lines.filter((l) => !l.startsWith('{'))).toEqual([]);
  }, 60_000);
});
