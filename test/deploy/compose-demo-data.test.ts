import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@app/infra';
import { startSimulatorFromEnv } from '../../apps/snap-simulator/src/from-env';
import type { SnapSimulator } from '../../apps/snap-simulator/src/simulator';
import { freePort } from '../chaos/support/services';
import { deleteRedisKeys } from '../support/redis-cleanup';
import { testConfig } from '../support/test-config';
import { readCompose, repoRoot, serviceEnv } from './compose-file';
import { bareEnv, buildDist, run, startNode } from './run-node';

/**
 * The compose stack's demo, without Docker: the simulator started from the committed
 * seed/simulator-seed.json, the `migrate` and `demo-data` services' own commands, and a worker
 * with the compose file's worker environment (service host names and /app paths mapped to this
 * machine), then one run. Proves the seed's partners, keys, credentials, accounts and ledger fit
 * together, and that the run finds what the seed was written to show.
 */
describe('docker-compose demo data (seed/) reconciles as written', () => {
  const config = testConfig();
  const compose = readCompose();
  let simulator: SnapSimulator;
  let worker: ReturnType<typeof startNode>;
  let dir: string;
  let appEnv: Record<string, string>;

  /** Runs a compose service's command (`sh -c` for demo-data, the argv otherwise) here. */
  const runService = (name: string) => {
    const service = compose.services[name];
    const command = service.command as string[];
    const argv = service.entrypoint ? [...(service.entrypoint as string[]), ...command] : command;
    return run(argv[0] === 'node' ? process.execPath : argv[0], argv.slice(1), {
      cwd: repoRoot,
      env: appEnv,
    });
  };

  beforeAll(async () => {
    await buildDist(repoRoot);
    dir = mkdtempSync(join(tmpdir(), 'snap-recon-compose-demo-'));
    appEnv = bareEnv({
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      DATABASE_URL: config.DATABASE_URL,
      DATABASE_SCHEMA: config.DATABASE_SCHEMA,
      REDIS_URL: config.REDIS_URL,
      QUEUE_PREFIX: config.QUEUE_PREFIX,
    });
    const simEnv = serviceEnv(compose.services.simulator);
    let simulatorUrl: string;
    ({ simulator, baseUrl: simulatorUrl } = await startSimulatorFromEnv({
      PORT: '0',
      LOG_LEVEL: 'silent',
      SIMULATOR_SEED_FILE: simEnv.SIMULATOR_SEED_FILE.replace('/app/', `${repoRoot}/`),
    }));
    const here = (text: string) =>
      text.replaceAll('http://simulator:8090', simulatorUrl).replaceAll('/app/', `${repoRoot}/`);
    const workerEnv = serviceEnv(compose.services.worker);
    const credentials = join(dir, 'credentials.json');
    writeFileSync(credentials, here(readFileSync(here(workerEnv.SNAP_CREDENTIALS_FILE), 'utf8')));
    const snapEnv = Object.fromEntries(
      Object.entries(workerEnv)
        .filter(([k]) => k.startsWith('SNAP_'))
        .map(([k, v]) => [k, here(v)]),
    );
    worker = startNode(join(repoRoot, 'dist/apps/worker/src/main.js'), repoRoot, {
      ...appEnv,
      ...snapEnv,
      SNAP_CREDENTIALS_FILE: credentials,
      WORKER_METRICS_PORT: '0',
      JOB_BACKOFF_MS: '200',
    });
  }, 300_000);

  afterAll(async () => {
    await worker?.stop();
    await simulator?.stop();
    const ds = new DataSource(dataSourceOptions(config));
    await ds.initialize();
    await ds.query(`DROP SCHEMA IF EXISTS "${config.DATABASE_SCHEMA}" CASCADE`);
    await ds.destroy();
    await deleteRedisKeys(config.REDIS_URL, config.QUEUE_PREFIX);
    rmSync(dir, { recursive: true, force: true });
  });

  it('migrate, then demo-data imports every seed row', async () => {
    const migrated = await runService('migrate');
    expect(migrated).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^applied: InitialSchema/),
    });
    const loaded = await runService('demo-data');
    expect(loaded.stderr).toBe('');
    expect(loaded.code).toBe(0);
    const [accounts, ledger] = loaded.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { rejectedCount: number });
    expect(accounts).toMatchObject({ rejectedCount: 0 });
    expect(ledger).toMatchObject({ imported: 14, rejectedCount: 0 });
  });

  it('a run over the demo data finds the matches, the break, the inactive and the failing account', async () => {
    const reconciled = await run(
      process.execPath,
      ['dist/apps/cli/src/main.js', 'reconcile', '--wait', '--json', '--timeout', '120'],
      { cwd: repoRoot, env: appEnv, timeoutMs: 150_000 },
    );
    if (reconciled.code !== 0) throw new Error(`${reconciled.stderr}\nworker:\n${worker.output()}`);
    const report = await run(
      process.execPath,
      ['dist/apps/cli/src/main.js', 'report', 'latest', '--format', 'json'],
      { cwd: repoRoot, env: appEnv },
    );
    const results = (
      JSON.parse(report.stdout) as {
        results: {
          accountNo: string;
          msId: string | null;
          status: string;
          difference: string | null;
          responseCode: string | null;
        }[];
      }
    ).results;
    const byAccount = Object.fromEntries(
      results.map((r) => [
        r.msId ? `${r.accountNo}/${r.msId}` : r.accountNo,
        `${r.status} ${r.difference}`,
      ]),
    );
    expect(byAccount).toEqual({
      NZ00001: 'matched 0.00',
      NZ00002: 'mismatched -7500.00',
      NZ00003: expect.stringMatching(/^inactive /),
      NP00001: 'matched 0.00',
      // A seller under NP00001 (NICEPay msId): its own account, its own ledger.
      'NP00001/NPSELLER01': 'matched 0.00',
      NP00002: 'matched 0.00',
      NP00003: 'matched 0.00',
      FNT00001: 'matched 0.00',
      FNT00002: 'error null',
    });
    // Finnet's page lists "404 | 4041108 | Invalid merchant" for a merchant it does not know.
    expect(results.find((r) => r.accountNo === 'FNT00002')?.responseCode).toBe('4041108');
  }, 180_000);
  it('the producer, started as compose starts it, serves the run to the README curl', async () => {
    const port = await freePort();
    const producerEnv = serviceEnv(compose.services.producer);
    const [script] = (compose.services.producer.command as string[]).slice(1);
    const producer = startNode(join(repoRoot, script), repoRoot, {
      ...appEnv,
      ...producerEnv,
      DATABASE_URL: appEnv.DATABASE_URL,
      REDIS_URL: appEnv.REDIS_URL,
      QUEUE_PREFIX: appEnv.QUEUE_PREFIX,
      PORT: String(port),
    });
    try {
      // README: curl -u admin:local-compose-password http://127.0.0.1:3000/runs/latest
      const auth = `Basic ${Buffer.from('admin:local-compose-password').toString('base64')}`;
      let res: Response | undefined;
      for (let i = 0; i < 600 && res?.status !== 200; i++) {
        res = await fetch(`http://127.0.0.1:${port}/runs/latest`, {
          headers: { authorization: auth },
        }).catch(() => undefined);
        if (res?.status !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      if (res?.status !== 200) throw new Error(`producer: ${producer.output()}`);
      const run = (await res.json()) as { status: string; accountCount: number; counts: object };
      expect(run).toMatchObject({
        status: 'finished',
        accountCount: 9,
        counts: { matched: 6, mismatched: 1, inactive: 1, error: 1, timing: 0 },
      });
      const anonymous = await fetch(`http://127.0.0.1:${port}/runs/latest`);
      expect(anonymous.status).toBe(401);
    } finally {
      await producer.stop();
    }
  }, 120_000);
});
