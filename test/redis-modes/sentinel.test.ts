import { Pipeline, startPipeline } from '../support/pipeline';
import { RedisServers } from '../support/redis-servers';
import { testConfig } from '../support/test-config';
import { resultsPerAccount, startRun } from './run-check';

const NAME = 'snap-recon-test';
const PASSWORD = 'sentinel-data-password';
const SENTINEL_PASSWORD = 'sentinel-own-password';
const ACCOUNTS = 240;

/**
 * A real Sentinel setup (a master, a replica, three sentinels; data nodes and sentinels each
 * behind their own password): a run end to end with the master SIGKILLed in the middle. The
 * sentinels promote the replica, the apps follow it through the sentinels, the sweeper puts
 * back what the failover lost (replication is asynchronous), and every account ends with one
 * result.
 */
describe('Redis Sentinel', () => {
  const servers = new RedisServers();
  let pipeline: Pipeline | undefined;

  afterAll(async () => {
    await pipeline?.close();
    await servers.stop();
  });

  it(`runs ${ACCOUNTS} accounts with the master killed mid-run: failover, one result per account`, async () => {
    const { master, replica, sentinels } = await servers.sentinel(
      NAME,
      PASSWORD,
      SENTINEL_PASSWORD,
    );
    const config = testConfig({
      REDIS_SENTINELS: sentinels.map((p) => `127.0.0.1:${p}`).join(','),
      REDIS_SENTINEL_NAME: NAME,
      REDIS_PASSWORD: PASSWORD,
      REDIS_SENTINEL_PASSWORD: SENTINEL_PASSWORD,
      JOB_BACKOFF_MS: '50',
      RECON_RECHECK_DELAY_MS: '300',
      WORKER_CONCURRENCY: '2',
      WORKER_STALLED_INTERVAL_MS: '2000',
      WORKER_SWEEP_INTERVAL_MS: '2000',
    });
    pipeline = await startPipeline(config, { accountCount: ACCOUNTS });
    // Slow answers keep the run going across the failover.
    pipeline.simulator.updateSettings({ latencyMs: 150 });
    const runId = await startRun(pipeline);
    const completed = async () =>
      Number(
        (
          await pipeline!.db.dataSource.query(
            `SELECT completed_count AS n FROM reconciliation_runs WHERE id = $1`,
            [runId],
          )
        )[0].n,
      );
    await servers.until(async () => (await completed()) >= ACCOUNTS * 0.2, 'a fifth of the run');
    const atKill = await completed();
    servers.kill(master);
    const killedAt = Date.now();
    await servers.until(
      async () => {
        const [, port] = (await servers.command(
          sentinels[0],
          SENTINEL_PASSWORD,
          'SENTINEL',
          'GET-MASTER-ADDR-BY-NAME',
          NAME,
        )) as [string, string];
        return Number(port) === replica;
      },
      'failover to the replica',
      60_000,
    );
    const failoverMs = Date.now() - killedAt;
    const run = await pipeline.waitForRun(runId, 90_000);
    process.stdout.write(
      `sentinel: master killed at ${atKill}/${ACCOUNTS} done; replica promoted after ${failoverMs} ms; run ${run.status} ${Date.now() - killedAt} ms after the kill\n`,
    );
    expect(atKill).toBeLessThan(ACCOUNTS);
    expect(run.status).toBe('finished');
    expect(await resultsPerAccount(pipeline, runId)).toEqual({
      accounts: ACCOUNTS,
      withOneResult: ACCOUNTS,
      final: ACCOUNTS,
    });
  }, 180_000);
});
