import 'reflect-metadata';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { DEV_BASIC_AUTH_PASSWORD, loadConfig, withoutPassword } from '@app/config';
import { dataSourceOptions, redisMode, runMigrations } from '@app/infra';
import { loadRun, loadRunReport, reportToTable } from '@app/reconciliation';
import { ChildProcesses, freePort, waitForHttp } from './demo/child-processes';
import { demoAccountCount } from './demo/demo-account-count';
import { buildScenario } from './demo/demo-scenario';
import {
  checkDemoStorage,
  clearDemoStorage,
  DEMO_QUEUE_PREFIX,
  DEMO_SCHEMA,
} from './demo/demo-storage';
import { demoCredentials, demoPartners } from './demo/demo-wiring';
import { ensureLocalServices } from './demo/local-services';
import { generatePartnerKeys } from './demo/partner-keys';
import { seedDatabase, simulatorAccounts } from './demo/seed-database';
import { waitForRun } from './wait-for-run';

/** The demo's files holding key material (the simulator's partners, the worker's credentials). */
const SEED_FILE = 'simulator-seed.json';
const CREDENTIALS_FILE = 'credentials.json';
const SECRET_FILES = [SEED_FILE, CREDENTIALS_FILE];

const say = (text: string) => process.stdout.write(`${text}\n`);
const dist = resolve(__dirname, '..', '..');

/**
 * `npm run demo`: Postgres and Redis (found or started), a fresh demo schema with a few hundred
 * merchants and their ledgers, the simulator, a worker and the producer as separate processes,
 * one run through the HTTP API, its report, and the producer left running.
 */
async function demo(): Promise<void> {
  let accountCount: number;
  try {
    accountCount = demoAccountCount(process.env.DEMO_ACCOUNTS);
  } catch (e) {
    process.stderr.write(`demo failed: ${(e as Error).message}\n`);
    process.exit(1);
  }
  const workDir = join(tmpdir(), `snap-recon-demo-${process.pid}`);
  mkdirSync(workDir, { recursive: true, mode: 0o700 });
  // The demo signs in with the development password, so its processes run in development
  // (said explicitly: without NODE_ENV every app is production).
  const demoDefaults = {
    NODE_ENV: 'development',
    DATABASE_SCHEMA: DEMO_SCHEMA,
    QUEUE_PREFIX: DEMO_QUEUE_PREFIX,
  };
  const base = loadConfig({ ...demoDefaults, ...process.env });
  // Redis is started here only in single-node mode; Sentinel and Cluster are the operator's.
  const services = await ensureLocalServices(
    base.DATABASE_URL,
    redisMode(base) === 'single' ? base.REDIS_URL : null,
    workDir,
    say,
  ).catch((e: unknown) => {
    process.stderr.write(
      `demo failed: could not start Postgres or Redis: ${e instanceof Error ? e.message : String(e)}\n`,
    );
    process.exit(1);
  });
  const config = loadConfig({
    ...demoDefaults,
    ...process.env,
    DATABASE_URL: services.databaseUrl,
    REDIS_URL: services.redisUrl ?? base.REDIS_URL,
  });
  const children = new ChildProcesses(workDir);
  const stop = async (code: number) => {
    await children.stopAll();
    await services.stop();
    // The partner keys and client secrets the processes read; the logs stay for the reader.
    for (const file of SECRET_FILES) rmSync(join(workDir, file), { force: true });
    process.exit(code);
  };
  process.stdout.on('error', () => void stop(1));
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));
  try {
    say(
      `Postgres ${withoutPassword(config.DATABASE_URL)} (schema ${config.DATABASE_SCHEMA}), Redis ${withoutPassword(config.REDIS_URL)}`,
    );
    const ds = new DataSource(dataSourceOptions(config));
    await ds.initialize();
    await checkDemoStorage(ds, config);
    await clearDemoStorage(ds, config);
    await runMigrations(config);

    const scenario = buildScenario(accountCount, new Date(), { inFlightAgeMs: 20_000 });
    await seedDatabase(ds, scenario);
    say(
      `seeded ${accountCount} accounts of ${accountCount} merchants with ${scenario.reduce((n, a) => n + a.ledger.length, 0)} ledger entries`,
    );

    const keys = generatePartnerKeys();
    const finnetIds = scenario.filter((a) => a.provider === 'finnet').map((a) => a.accountNo);
    const simulatorPort = await freePort(8090);
    const simulatorUrl = `http://127.0.0.1:${simulatorPort}`;
    const seedFile = join(workDir, SEED_FILE);
    writeFileSync(
      seedFile,
      JSON.stringify({
        settings: { readTimeoutHoldMs: 5000 },
        partners: demoPartners(keys, finnetIds),
        accounts: simulatorAccounts(scenario),
      }),
    );
    const creds = demoCredentials(simulatorUrl, keys, finnetIds);
    const credentialsFile = join(workDir, CREDENTIALS_FILE);
    writeFileSync(credentialsFile, JSON.stringify(creds.file));
    chmodSync(credentialsFile, 0o600);

    const password = config.BASIC_AUTH_PASSWORD ?? DEV_BASIC_AUTH_PASSWORD;
    const common = {
      NODE_ENV: config.NODE_ENV,
      DATABASE_URL: config.DATABASE_URL,
      DATABASE_SCHEMA: config.DATABASE_SCHEMA,
      REDIS_URL: config.REDIS_URL,
      LOG_LEVEL: 'info',
      QUEUE_PREFIX: config.QUEUE_PREFIX,
    };
    children.start('simulator', join(dist, 'snap-simulator/src/main.js'), {
      PORT: String(simulatorPort),
      SIMULATOR_SEED_FILE: seedFile,
      LOG_LEVEL: 'warn',
    });
    await waitForHttp(`${simulatorUrl}/admin/stats`, {}, 30_000, join(workDir, 'simulator.log'));
    children.start('worker', join(dist, 'worker/src/main.js'), {
      ...common,
      ...creds.env,
      SNAP_CREDENTIALS_FILE: credentialsFile,
      JOB_BACKOFF_MS: '200',
      RECON_RECHECK_DELAY_MS: '2000',
      SNAP_READ_TIMEOUT_MS: '2000',
      RATE_LIMIT_PAUSE_MS: '300',
    });
    const port = await freePort(Number(process.env.PORT ?? 3000));
    const producerUrl = `http://127.0.0.1:${port}`;
    children.start('producer', join(dist, 'producer/src/main.js'), {
      ...common,
      PORT: String(port),
      // Its login is the development password printed below: this machine only, unless the
      // user names another address.
      HOST: process.env.HOST ?? '127.0.0.1',
    });
    await waitForHttp(`${producerUrl}/health`, {}, 60_000, join(workDir, 'producer.log'));

    const auth = {
      authorization: `Basic ${Buffer.from(`${config.BASIC_AUTH_USER}:${password}`).toString('base64')}`,
    };
    const started = await fetch(`${producerUrl}/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: '{}',
    });
    if (started.status !== 202)
      throw new Error(`POST /runs answered ${started.status}: ${await started.text()}`);
    const { runId } = (await started.json()) as { runId: string };
    say(`run ${runId} started through POST ${producerUrl}/runs`);
    const { run, timedOut } = await waitForRun(ds, runId, { timeoutMs: 300_000 });
    if (timedOut)
      throw new Error(
        `run ${runId} did not finish: ${run.completedCount}/${run.accountCount}; see ${workDir}/worker.log`,
      );
    say('');
    say(reportToTable((await loadRunReport(ds, runId))!));
    say('');
    say(`The producer is running at ${producerUrl}`);
    say(`  ${producerUrl}/runs/${runId}            the run as JSON`);
    say(`  ${producerUrl}/runs/${runId}/report?format=csv   its results as CSV`);
    say(`  ${producerUrl}/health`);
    say(
      `Sign in as ${config.BASIC_AUTH_USER} with ${config.BASIC_AUTH_PASSWORD ? 'BASIC_AUTH_PASSWORD' : `the development password "${DEV_BASIC_AUTH_PASSWORD}"`}.`,
    );
    // Every setting the CLI needs to reach this demo's data and queues (a run it starts would
    // otherwise wait under the default prefix, where no demo worker listens). A Postgres the
    // demo started itself has the fixed development password of local-services.ts, printed
    // as it is (it guards nothing but this demo, and a redacted URL would not connect).
    const cliEnv = [
      `DATABASE_SCHEMA=${config.DATABASE_SCHEMA}`,
      `QUEUE_PREFIX=${config.QUEUE_PREFIX}`,
      ...(config.DATABASE_URL !== base.DATABASE_URL ? [`DATABASE_URL=${config.DATABASE_URL}`] : []),
    ].join(' ');
    say(`  ${cliEnv} npm run cli -- report latest`);
    await ds.destroy();
    if (process.env.DEMO_EXIT === '1') {
      say(`Logs: ${workDir}/*.log. DEMO_EXIT=1: stopping everything.`);
      await stop((await loadRunStatus(config, runId)) === 'finished' ? 0 : 1);
    }
    say(`Logs: ${workDir}/*.log. Ctrl-C stops everything.`);
  } catch (e) {
    process.stderr.write(`demo failed: ${(e as Error).message}\n`);
    await stop(1);
  }
}

/** The run's status through a fresh connection (the demo's own one is closed by then). */
async function loadRunStatus(
  config: ReturnType<typeof loadConfig>,
  runId: string,
): Promise<string | undefined> {
  const ds = new DataSource(dataSourceOptions(config));
  await ds.initialize();
  try {
    return (await loadRun(ds, runId, { liveCounts: false }))?.status;
  } finally {
    await ds.destroy();
  }
}

void demo();
