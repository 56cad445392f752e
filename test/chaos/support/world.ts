import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { DataSource } from 'typeorm';
import { AppConfig, DEV_BASIC_AUTH_PASSWORD, loadConfig } from '@app/config';
import { dataSourceOptions, runMigrations } from '@app/infra';
import { BALANCE_QUEUES } from '@app/queue';
import { formatAmount, PROVIDERS, ProviderName } from '@app/snap';
import type { ScenarioAccount } from '../../../apps/cli/src/demo/demo-scenario';
import { demoCredentials, demoPartners } from '../../../apps/cli/src/demo/demo-wiring';
import { generatePartnerKeys } from '../../../apps/cli/src/demo/partner-keys';
import { seedDatabase, simulatorAccounts } from '../../../apps/cli/src/demo/seed-database';
import type {
  FaultSpec,
  SimulatorSettings,
  SimulatorStats,
} from '../../../apps/snap-simulator/src';
import { redisTexts, scanTexts, SecretNeedle } from '../../support/secret-scan';
import { uniqueSuffix } from '../../support/test-config';
import { AppProcess, ensureBuilt, ROOT } from './processes';
import { freePort, PrivatePostgres, PrivateRedis } from './services';

export interface ChaosOptions {
  /** Accounts, spread over the three providers (every one matches unless faulted). */
  accounts: number;
  /** Faults of account `i` at the simulator. */
  faults?: (i: number, provider: ProviderName) => FaultSpec[] | undefined;
  /** Simulator settings (seed file). */
  simulator?: Partial<SimulatorSettings>;
  /** Env of the worker and producer processes, on top of the chaos defaults. */
  env?: Record<string, string>;
  /** A private Postgres (for restarts); default the machine's, in a schema of its own. */
  privatePostgres?: boolean;
  /**
   * The simulator's scheduling priority (nice value; `CHAOS_NICE_SIMULATOR` overrides it). The
   * simulator stands in for a provider on a machine of its own: where a test judges when
   * requests arrived, its stamps should not wait for the CPU the workers take.
   */
  simulatorNice?: number;
}

/** What a finished (or not) run left behind. */
export interface RunCheck {
  accounts: number;
  results: number;
  final: number;
  lost: number;
  duplicated: number;
  byStatus: Record<string, number>;
  maxAttempts: number;
  totalAttempts: number;
  runStatus: string;
  stuckJobs: Record<string, number>;
}

/**
 * One chaos scenario: a private Redis, Postgres (private or a schema of the shared one), a
 * seeded ledger, the simulator, workers and producers as real processes from `dist/`, and the
 * checks every chaos test makes. `close()` stops every process and service it started.
 */
export class ChaosWorld {
  readonly processes: AppProcess[] = [];
  readonly scenario: ScenarioAccount[];
  simulatorUrl = '';
  ds!: DataSource;
  config!: AppConfig;
  redis!: PrivateRedis;
  postgres: PrivatePostgres | null = null;
  private env: Record<string, string> = {};
  private secrets: SecretNeedle[] = [];
  private queueConnection: IORedis | null = null;
  private counter = 0;
  readonly workDir: string;

  private constructor(
    readonly name: string,
    private readonly options: ChaosOptions,
  ) {
    this.workDir = join(tmpdir(), `snap-recon-chaos-${name}-${process.pid}-${uniqueSuffix()}`);
    mkdirSync(this.workDir, { recursive: true });
    this.scenario = buildAccounts(options.accounts, new Date(), options.faults);
  }

  static async create(name: string, options: ChaosOptions): Promise<ChaosWorld> {
    ensureBuilt();
    const world = new ChaosWorld(name, options);
    try {
      await world.setUp();
    } catch (e) {
      await world.close();
      throw e;
    }
    return world;
  }

  private async setUp(): Promise<void> {
    this.redis = await PrivateRedis.start(true);
    if (this.options.privatePostgres) this.postgres = await PrivatePostgres.start();
    const suffix = uniqueSuffix();
    this.config = loadConfig({
      NODE_ENV: 'development',
      DATABASE_URL:
        this.postgres?.url ??
        process.env.TEST_DATABASE_URL ??
        'postgres://postgres@127.0.0.1:5432/test',
      DATABASE_SCHEMA: `chaos_${suffix}`,
      DATABASE_POOL_SIZE: '4',
      REDIS_URL: this.redis.url,
      QUEUE_PREFIX: `chaos-${suffix}`,
    });
    await runMigrations(this.config);
    this.ds = new DataSource(dataSourceOptions(this.config));
    await this.ds.initialize();
    await seedDatabase(this.ds, this.scenario);

    const keys = generatePartnerKeys();
    this.secrets = PROVIDERS.flatMap((p) => [
      { label: `${p} client secret`, value: keys[p].clientSecret },
      { label: `${p} private key`, value: keys[p].privateKeyPem },
    ]);
    const finnetIds = this.scenario.filter((a) => a.provider === 'finnet').map((a) => a.accountNo);
    const port = await freePort();
    this.simulatorUrl = `http://127.0.0.1:${port}`;
    const seedFile = join(this.workDir, 'simulator-seed.json');
    writeFileSync(
      seedFile,
      JSON.stringify({
        settings: { readTimeoutHoldMs: 5_000, ...this.options.simulator },
        partners: demoPartners(keys, finnetIds),
        accounts: simulatorAccounts(this.scenario),
      }),
    );
    const sim = this.spawn('simulator', 'snap-simulator', {
      PORT: String(port),
      SIMULATOR_SEED_FILE: seedFile,
      LOG_LEVEL: 'warn',
    });
    await this.waitForHttp(`${this.simulatorUrl}/health`, sim);
    const creds = demoCredentials(this.simulatorUrl, keys, finnetIds);
    const credentialsFile = join(this.workDir, 'credentials.json');
    writeFileSync(credentialsFile, JSON.stringify(creds.file));
    chmodSync(credentialsFile, 0o600);
    this.env = {
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      DATABASE_URL: this.config.DATABASE_URL,
      DATABASE_SCHEMA: this.config.DATABASE_SCHEMA,
      DATABASE_POOL_SIZE: '5',
      REDIS_URL: this.config.REDIS_URL,
      QUEUE_PREFIX: this.config.QUEUE_PREFIX,
      WORKER_METRICS_PORT: '0',
      WORKER_CONCURRENCY: '30',
      // Short, so a killed worker's jobs are back in seconds; not shorter: a worker busy
      // signing a thousand token requests at once must still renew its locks in time.
      WORKER_STALLED_INTERVAL_MS: '5000',
      WORKER_SWEEP_INTERVAL_MS: '2000',
      JOB_ATTEMPTS: '5',
      JOB_BACKOFF_MS: '200',
      RECON_RECHECK_DELAY_MS: '1000',
      RATE_LIMIT_NETZME_PER_SECOND: '1000',
      RATE_LIMIT_NICEPAY_PER_SECOND: '1000',
      RATE_LIMIT_FINNET_PER_SECOND: '1000',
      RATE_LIMIT_PAUSE_MS: '200',
      SNAP_READ_TIMEOUT_MS: '2000',
      ...creds.env,
      SNAP_CREDENTIALS_FILE: credentialsFile,
      ...this.options.env,
    };
  }

  private spawn(
    kind: string,
    app: 'worker' | 'producer' | 'snap-simulator',
    env: Record<string, string>,
  ): AppProcess {
    // Experiment knob (CHAOS_NICE_<KIND>=n, e.g. CHAOS_NICE_WORKER=-10): the process's
    // scheduling priority, to tell on a shared machine what CPU starvation by other programs
    // does to a test's figures. Through nice(1), so every thread of the process has it.
    const nice =
      process.env[`CHAOS_NICE_${kind.toUpperCase()}`] ??
      (kind === 'simulator' && this.options.simulatorNice !== undefined
        ? String(this.options.simulatorNice)
        : undefined);
    const proc = new AppProcess(`${kind}-${++this.counter}`, app, env, this.workDir, nice);
    this.processes.push(proc);
    return proc;
  }

  /** A worker process, ready once it logged `worker started`. */
  async startWorker(extraEnv: Record<string, string> = {}): Promise<AppProcess> {
    const worker = this.spawn('worker', 'worker', { ...this.env, ...extraEnv });
    await worker.waitForLine(/"worker started"/, 60_000);
    return worker;
  }

  /** A producer process on a free port, ready once `/health` answers. */
  async startProducer(
    extraEnv: Record<string, string> = {},
  ): Promise<{ proc: AppProcess; url: string }> {
    const port = await freePort();
    const proc = this.spawn('producer', 'producer', {
      ...this.env,
      PORT: String(port),
      ...extraEnv,
    });
    const url = `http://127.0.0.1:${port}`;
    await this.waitForHttp(`${url}/health`, proc);
    return { proc, url };
  }

  /** `POST /runs` with the development credentials; the run id. */
  async startRun(producerUrl: string): Promise<string> {
    const res = await fetch(`${producerUrl}/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basicAuth() },
      body: '{}',
    });
    const text = await res.text();
    if (res.status !== 202) throw new Error(`POST /runs answered ${res.status}: ${text}`);
    return (JSON.parse(text) as { runId: string }).runId;
  }

  async waitForHttp(url: string, proc: AppProcess, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!proc.running)
        throw new Error(`${proc.name} exited: ${proc.lines.slice(-5).join(' | ')}`);
      const ok = await fetch(url).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`${url} not answering after ${timeoutMs} ms`);
      await sleep(200);
    }
  }

  /** Accounts of the run with a final result (0 while Postgres is unreachable). */
  async completed(runId: string): Promise<number> {
    try {
      const [row]: { n: number }[] = await this.ds.query(
        `SELECT completed_count AS n FROM reconciliation_runs WHERE id = $1`,
        [runId],
      );
      return Number(row?.n ?? 0);
    } catch {
      return 0;
    }
  }

  /** Waits until at least `count` accounts of the run are done. */
  async waitForCompleted(runId: string, count: number, timeoutMs = 120_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const done = await this.completed(runId);
      if (done >= count) return done;
      if (Date.now() > deadline)
        throw new Error(`run ${runId}: ${done} of ${count} accounts after ${timeoutMs} ms`);
      await sleep(50);
    }
  }

  /** Waits until the run is finished; the time it took from now. */
  async waitForRun(runId: string, timeoutMs = 180_000): Promise<number> {
    const started = Date.now();
    const deadline = started + timeoutMs;
    for (;;) {
      const status = await this.ds
        .query(`SELECT status FROM reconciliation_runs WHERE id = $1`, [runId])
        .then(
          (rows: { status: string }[]) => rows[0]?.status,
          () => undefined,
        );
      if (status && status !== 'running') return Date.now() - started;
      if (Date.now() > deadline) {
        throw new Error(
          `run ${runId} not finished after ${timeoutMs} ms: ${await this.completed(runId)}/${this.scenario.length}`,
        );
      }
      await sleep(200);
    }
  }

  /** Jobs still waiting, active, delayed... in the balance queues. */
  async stuckJobs(): Promise<Record<string, number>> {
    this.queueConnection ??= new IORedis(this.config.REDIS_URL, { maxRetriesPerRequest: null });
    const stuck: Record<string, number> = {};
    for (const name of BALANCE_QUEUES) {
      const queue = new Queue(name, {
        connection: this.queueConnection,
        prefix: this.config.QUEUE_PREFIX,
      });
      const counts = await queue.getJobCounts(
        'waiting',
        'active',
        'delayed',
        'prioritized',
        'paused',
        'waiting-children',
      );
      for (const [state, n] of Object.entries(counts)) if (n > 0) stuck[`${name}:${state}`] = n;
      await queue.close();
    }
    return stuck;
  }

  /** The run's results against its accounts: lost, duplicated, statuses, attempts, stuck jobs. */
  async check(runId: string): Promise<RunCheck> {
    const rows: { status: string; is_final: boolean; attempts: number; n: string }[] =
      await this.ds.query(
        `SELECT status, is_final, attempts, count(*) AS n FROM reconciliation_results WHERE run_id = $1
        GROUP BY status, is_final, attempts`,
        [runId],
      );
    const [{ distinct }]: { distinct: string }[] = await this.ds.query(
      `SELECT count(DISTINCT account_id) AS distinct FROM reconciliation_results WHERE run_id = $1`,
      [runId],
    );
    const [run]: { status: string }[] = await this.ds.query(
      `SELECT status FROM reconciliation_runs WHERE id = $1`,
      [runId],
    );
    const byStatus: Record<string, number> = {};
    let results = 0;
    let final = 0;
    let maxAttempts = 0;
    let totalAttempts = 0;
    for (const r of rows) {
      const n = Number(r.n);
      results += n;
      if (r.is_final) final += n;
      byStatus[r.status] = (byStatus[r.status] ?? 0) + n;
      maxAttempts = Math.max(maxAttempts, r.attempts);
      totalAttempts += r.attempts * n;
    }
    return {
      accounts: this.scenario.length,
      results,
      final,
      lost: this.scenario.length - Number(distinct),
      duplicated: results - Number(distinct),
      byStatus,
      maxAttempts,
      totalAttempts,
      runStatus: run?.status ?? 'missing',
      stuckJobs: await this.stuckJobs(),
    };
  }

  async simulatorStats(): Promise<SimulatorStats> {
    return (await (await fetch(`${this.simulatorUrl}/admin/stats`)).json()) as SimulatorStats;
  }

  async simulatorAdmin(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${this.simulatorUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as unknown;
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }

  /** Lines of every worker process that match. */
  workerLines(re: RegExp): string[] {
    return this.processes
      .filter((p) => p.name.startsWith('worker'))
      .flatMap((p) => p.lines.filter((l) => re.test(l)));
  }

  /**
   * Secrets found where none may be: every output line of every process, every result and
   * run row, every key of the queue prefix in Redis but the token cache. Looked for: the
   * client secrets, the private keys, and the access tokens in the token cache.
   */
  async leaks(): Promise<{
    found: { where: string; secret: string }[];
    secrets: number;
    texts: number;
  }> {
    this.queueConnection ??= new IORedis(this.config.REDIS_URL, { maxRetriesPerRequest: null });
    const prefix = this.config.QUEUE_PREFIX;
    const tokenCache = await redisTexts(this.queueConnection, `${prefix}:token`);
    const tokens = tokenCache.texts.flatMap((t) =>
      [...t.text.matchAll(/accessToken\\?":\\?"([^"\\]+)/g)].map((m) => m[1]),
    );
    const needles = [
      ...this.secrets,
      ...tokens.map((value, i) => ({ label: `token ${i + 1}`, value })),
    ];
    const redis = await redisTexts(this.queueConnection, prefix, (key) =>
      key.startsWith(`${prefix}:token:`),
    );
    const rows: { t: string }[] = await this.ds.query(
      `SELECT r::text AS t FROM reconciliation_results r UNION ALL SELECT r::text FROM reconciliation_runs r`,
    );
    const texts = [
      ...this.processes.flatMap((p) =>
        p.lines.map((text, i) => ({ where: `${p.name} line ${i + 1}`, text })),
      ),
      ...rows.map((r, i) => ({ where: `db row ${i + 1}`, text: r.t })),
      ...redis.texts,
    ];
    const found = scanTexts(texts, needles).map(({ where, secret }) => ({ where, secret }));
    return { found, secrets: needles.length, texts: texts.length };
  }

  /** Writes the figures of a test to `test-output/chaos/<name>.json` and prints them. */
  /**
   * Scans everything the test wrote for secrets ({@link leaks}), records the figures with the
   * scan's, and fails the test on any leak.
   */
  async recordWithLeakScan(figures: Record<string, unknown>): Promise<void> {
    const leaks = await this.leaks();
    this.record({
      ...figures,
      leaked: leaks.found.length,
      leakScan: { secrets: leaks.secrets, texts: leaks.texts },
    });
    expect(leaks.found).toEqual([]);
  }

  record(figures: Record<string, unknown>): void {
    const dir = join(ROOT, 'test-output', 'chaos');
    mkdirSync(dir, { recursive: true });
    const text = JSON.stringify(
      { test: this.name, at: new Date().toISOString(), ...figures },
      null,
      2,
    );
    writeFileSync(join(dir, `${this.name}.json`), text);
    process.stdout.write(`chaos figures ${this.name}: ${JSON.stringify(figures)}\n`);
  }

  async close(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.stop('SIGKILL', 5_000)));
    await this.queueConnection?.quit().catch(() => undefined);
    if (this.ds?.isInitialized) {
      if (!this.postgres)
        await this.ds
          .query(`DROP SCHEMA IF EXISTS "${this.config.DATABASE_SCHEMA}" CASCADE`)
          .catch(() => undefined);
      await this.ds.destroy().catch(() => undefined);
    }
    await this.postgres?.stop();
    await this.redis?.stop();
    if (process.env.CHAOS_KEEP_LOGS !== '1') rmSync(this.workDir, { recursive: true, force: true });
  }
}

export function basicAuth(): string {
  return `Basic ${Buffer.from(`admin:${DEV_BASIC_AUTH_PASSWORD}`).toString('base64')}`;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `count` accounts over the three providers, each with one credit the provider agrees with. */
function buildAccounts(
  count: number,
  now: Date,
  faults?: ChaosOptions['faults'],
): ScenarioAccount[] {
  return Array.from({ length: count }, (_, i) => {
    const provider = PROVIDERS[i % 3];
    const n = String(i + 1).padStart(5, '0');
    const accountNo =
      provider === 'finnet' ? `FNT${n}` : provider === 'nicepay' ? `NP${n}` : `NZ${n}`;
    const amount = 1_000_000n + BigInt(i);
    const accountFaults = faults?.(i, provider);
    return {
      merchantId: `M${n}`,
      merchantName: `Toko Chaos ${n}`,
      provider,
      accountNo,
      credentialSet: provider === 'finnet' ? accountNo : null,
      ledger: [{ entryRef: `M${n}-1`, amount, postedAt: new Date(now.getTime() - 3_600_000) }],
      simulated: {
        balance: formatAmount(amount),
        ...(provider === 'netzme' ? { status: 'approved_v2' } : {}),
        ...(accountFaults ? { faults: accountFaults as never } : {}),
      },
      kind: 'matched',
      expected: { status: 'matched', difference: 0n, attempts: 1 },
    };
  });
}
