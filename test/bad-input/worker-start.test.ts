import { join } from 'node:path';
import { repoRoot } from '../deploy/compose-file';
import { bareEnv, buildDist, run } from '../deploy/run-node';

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
});
