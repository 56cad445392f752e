import { randomBytes } from 'node:crypto';
import { PROVIDERS } from '@app/snap';
import { providerKeyPrefix } from '@app/infra';
import { Pipeline, startPipeline } from '../support/pipeline';
import { RedisServers } from '../support/redis-servers';
import { testConfig } from '../support/test-config';
import { resultsPerAccount, startRun } from './run-check';

const PASSWORD = 'cluster-test-password';
const ACCOUNTS = 90;

/**
 * A real 3-master Redis Cluster (redis-server processes made into a cluster with
 * `redis-cli --cluster create`, every node behind a password): a run end to end gives one
 * result per account, each provider's queue sits under its own hash tag, the keys spread over
 * the three masters, and the clean-up through the connection factory empties every master.
 */
describe('Redis Cluster', () => {
  const servers = new RedisServers();
  let ports: number[] = [];
  let pipeline: Pipeline | undefined;

  /** Which master serves each slot, from CLUSTER SLOTS. */
  async function slotOwners(): Promise<(slot: number) => number> {
    const ranges = (await servers.command(ports[0], PASSWORD, 'CLUSTER', 'SLOTS')) as [
      number,
      number,
      [string, number],
    ][];
    return (slot) => ranges.find(([from, to]) => slot >= from && slot <= to)![2][1];
  }

  /**
   * A queue prefix whose provider tags fall on all three masters (with three providers that
   * happens 2 times in 9 by chance, more often with more); an operator can pick it the same way.
   */
  async function spreadPrefix(): Promise<string> {
    const owner = await slotOwners();
    for (;;) {
      const prefix = `test-${randomBytes(4).toString('hex')}`;
      const masters = new Set<number>();
      for (const p of PROVIDERS) {
        const slot = Number(
          await servers.command(
            ports[0],
            PASSWORD,
            'CLUSTER',
            'KEYSLOT',
            providerKeyPrefix({ QUEUE_PREFIX: prefix, REDIS_CLUSTER_NODES: ['x:1'] }, p),
          ),
        );
        masters.add(owner(slot));
      }
      if (masters.size === 3) return prefix;
    }
  }

  beforeAll(async () => {
    ports = await servers.cluster(PASSWORD);
  }, 60_000);
  afterAll(async () => {
    await pipeline?.close();
    await servers.stop();
  });

  it(`runs ${ACCOUNTS} accounts end to end, one result each, keys spread over the 3 masters, cleaned from every master`, async () => {
    const config = testConfig({
      REDIS_CLUSTER_NODES: ports.map((p) => `127.0.0.1:${p}`).join(','),
      REDIS_PASSWORD: PASSWORD,
      QUEUE_PREFIX: await spreadPrefix(),
      JOB_BACKOFF_MS: '50',
      RECON_RECHECK_DELAY_MS: '300',
    });
    pipeline = await startPipeline(config, { accountCount: ACCOUNTS });
    const runId = await startRun(pipeline);
    const run = await pipeline.waitForRun(runId, 60_000);
    expect(run.status).toBe('finished');
    expect(await resultsPerAccount(pipeline, runId)).toEqual({
      accounts: ACCOUNTS,
      withOneResult: ACCOUNTS,
      final: ACCOUNTS,
    });

    // Where the keys are: every master holds some; each provider's queue keys on one master.
    const keysByMaster = new Map<number, string[]>();
    for (const port of ports) {
      keysByMaster.set(port, (await servers.command(port, PASSWORD, 'KEYS', '*')) as string[]);
    }
    const sizes = ports.map((p) => keysByMaster.get(p)!.length);
    const queueMasters = PROVIDERS.map((p) => {
      const tag = providerKeyPrefix(config, p);
      return ports.filter((port) => keysByMaster.get(port)!.some((k) => k.startsWith(tag)));
    });
    const tokenKeys = [...keysByMaster.values()].flat().filter((k) => k.includes(':token:{'));
    process.stdout.write(
      `cluster keys per master: ${JSON.stringify(sizes)}; provider queues on masters ${JSON.stringify(queueMasters)}; token keys ${tokenKeys.length}\n`,
    );
    expect(sizes.every((n) => n > 0)).toBe(true);
    expect(queueMasters.map((m) => m.length)).toEqual(PROVIDERS.map(() => 1));
    expect(new Set(queueMasters.flat()).size).toBe(3);
    expect(tokenKeys.length).toBeGreaterThanOrEqual(3);

    await pipeline.close();
    pipeline = undefined;
    const left = [];
    for (const port of ports) left.push(Number(await servers.command(port, PASSWORD, 'DBSIZE')));
    expect(left).toEqual([0, 0, 0]);
  }, 120_000);
});
