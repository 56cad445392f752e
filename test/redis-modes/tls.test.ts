import { Pipeline, startPipeline } from '../support/pipeline';
import { RedisServers } from '../support/redis-servers';
import { testConfig } from '../support/test-config';
import { resultsPerAccount, startRun } from './run-check';

const PASSWORD = 'tls-test-password';
const ACCOUNTS = 30;

/**
 * Redis over TLS only (no plain port), behind a password, its certificate from a private CA:
 * the apps reach it with `rediss://` and `REDIS_TLS_CA_FILE`, and a run goes end to end.
 */
describe('Redis over TLS', () => {
  const servers = new RedisServers();
  let pipeline: Pipeline | undefined;

  afterAll(async () => {
    await pipeline?.close();
    await servers.stop();
  });

  it(`runs ${ACCOUNTS} accounts end to end against a TLS-only Redis with a password`, async () => {
    const { port, caFile } = await servers.tlsServer(PASSWORD);
    const config = testConfig({
      REDIS_URL: `rediss://127.0.0.1:${port}`,
      REDIS_PASSWORD: PASSWORD,
      REDIS_TLS_CA_FILE: caFile,
      JOB_BACKOFF_MS: '50',
      RECON_RECHECK_DELAY_MS: '300',
    });
    pipeline = await startPipeline(config, { accountCount: ACCOUNTS });
    const runId = await startRun(pipeline);
    expect((await pipeline.waitForRun(runId, 60_000)).status).toBe('finished');
    expect(await resultsPerAccount(pipeline, runId)).toEqual({
      accounts: ACCOUNTS,
      withOneResult: ACCOUNTS,
      final: ACCOUNTS,
    });
  }, 120_000);
});
