import { userInfo } from 'node:os';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RESULT_STATUSES } from '@app/reconciliation';
import { PROVIDERS } from '@app/snap';
import { freePort } from './chaos/support/services';
import { expectFormulaCellsDefused, plantFormulaRun } from './support/formula-cells';
import { startPipeline, Pipeline } from './support/pipeline';
import { testConfig } from './support/test-config';

const root = resolve(__dirname, '..');

/** Runs a built script of the CLI app with the given environment; its code, stdout and stderr. */
function runScript(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [join(root, 'dist/apps/cli/src', script), ...args],
      { env, timeout: 60_000 },
      (error, stdout, stderr) =>
        done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Runs the built CLI (`npm run cli` runs the same file after building). */
const cli = (args: string[], env: Record<string, string>, inherit = true) =>
  runScript('main.js', args, inherit ? { ...process.env, ...env } : env);

/** `npm run demo`'s script with only the given environment. */
const demo = (env: Record<string, string>) => runScript('demo.js', [], env);

describe('CLI', () => {
  const config = testConfig({
    JOB_BACKOFF_MS: '100',
    RECON_RECHECK_DELAY_MS: '300',
    SNAP_READ_TIMEOUT_MS: '1500',
    RATE_LIMIT_PAUSE_MS: '200',
  });
  let pipeline: Pipeline;
  let env: Record<string, string>;
  let dir: string;

  beforeAll(async () => {
    await new Promise<void>((done, fail) =>
      execFile('npm', ['run', '-s', 'build'], { cwd: root }, (error) =>
        error ? fail(error) : done(),
      ),
    );
    pipeline = await startPipeline(config, { accountCount: 30 });
    env = {
      // Jest sets NODE_ENV=test, which is not a setting (development or production only).
      NODE_ENV: 'development',
      DATABASE_URL: config.DATABASE_URL,
      DATABASE_SCHEMA: config.DATABASE_SCHEMA,
      REDIS_URL: config.REDIS_URL,
      QUEUE_PREFIX: config.QUEUE_PREFIX,
      LOG_LEVEL: 'silent',
    };
    dir = mkdtempSync(join(tmpdir(), 'snap-recon-cli-'));
  }, 120_000);
  afterAll(async () => {
    await pipeline.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('migrate reports an up-to-date schema', async () => {
    expect(await cli(['migrate'], env)).toMatchObject({
      code: 0,
      stdout: 'schema is up to date\n',
    });
  });

  it('imports accounts and ledger entries, reports bad rows by line, and adds nothing on a repeat', async () => {
    const accounts = join(dir, 'accounts.csv');
    writeFileSync(
      accounts,
      'merchant_id,merchant_name,provider,account_no,currency\nCLI1,Toko CLI,nicepay,NPCLI1,IDR\nCLI2,Toko Dua,paypal,PP1,IDR\n',
    );
    const first = await cli(['accounts', 'import', accounts], env);
    expect(first.code).toBe(3);
    expect(first.stderr).toContain(`${accounts}:3:`);
    expect(first.stderr).toContain('paypal');
    const ledger = join(dir, 'ledger.csv');
    writeFileSync(
      ledger,
      'provider,account_no,entry_ref,amount,posted_at\nnicepay,NPCLI1,E1,1000.00,2026-11-01T10:00:00+07:00\nnicepay,NPCLI1,E2,-250.50,2026-11-02T10:00:00Z\n',
    );
    const imported = await cli(['ledger', 'import', ledger], env);
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({
      imported: 2,
      duplicates: 0,
      rejectedCount: 0,
    });
    const again = await cli(['ledger', 'import', ledger], env);
    expect(JSON.parse(again.stdout)).toMatchObject({
      imported: 0,
      duplicates: 2,
      rejectedCount: 0,
    });
    const [{ n, balance }] = await pipeline.db.dataSource.query(
      `SELECT count(*) AS n, max(balance_after) FILTER (WHERE entry_ref = 'E2') AS balance
         FROM ledger_entries e JOIN provider_accounts a ON a.id = e.account_id WHERE a.account_no = 'NPCLI1'`,
    );
    expect([n, balance]).toEqual(['2', '74950']);
  });

  it("accounts import checks NICEPay's page sizes, as the deployment's profile sets them", async () => {
    const accounts = join(dir, 'accounts-sizes.csv');
    // NICEPay's request table: "accountNo | String | 10".
    writeFileSync(
      accounts,
      'merchant_id,merchant_name,provider,account_no,currency\nCLI3,Toko Tiga,nicepay,NPCLI000003,IDR\n',
    );
    const refused = await cli(['accounts', 'import', accounts], env);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(
      `${accounts}:2: line 2, account_no "NPCLI000003": is 11 characters; nicepay's balance request allows at most 10`,
    );
    const raised = await cli(['accounts', 'import', accounts], {
      ...env,
      SNAP_NICEPAY_PROFILE: '{"requestFieldMaxLength":{"accountNo":12}}',
    });
    expect(raised.code).toBe(0);
    expect(JSON.parse(raised.stdout)).toMatchObject({ accountsCreated: 1, rejectedCount: 0 });
    // The runs below count the pipeline's accounts.
    await pipeline.db.dataSource.query(`DELETE FROM provider_accounts WHERE merchant_id = 'CLI3'`);
  });

  it('accounts import refuses a credential set that SNAP_CREDENTIALS_FILE does not name, and checks none without the file', async () => {
    const credentials = join(dir, 'credentials.json');
    const set = (clientId: string) => ({
      clientId,
      clientSecret: 'not-a-real-secret',
      privateKeyFile: join(root, 'seed/fixtures/keys/finnet.key.pem'),
      channelId: '95221',
      baseUrl: 'http://127.0.0.1:1',
    });
    writeFileSync(credentials, JSON.stringify({ finnet: { FNTCLI1: set('FNTCLI1') } }));
    const accounts = join(dir, 'accounts-sets.csv');
    writeFileSync(
      accounts,
      'merchant_id,merchant_name,provider,account_no,currency,credential\n' +
        'CLI4,Toko Empat,finnet,FNCLI4,IDR,FNTCLI1\n' +
        'CLI5,Toko Lima,finnet,FNCLI5,IDR,FNTCLI5\n',
    );
    const refused = await cli(['accounts', 'import', accounts], {
      ...env,
      SNAP_CREDENTIALS_FILE: credentials,
    });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(
      `${accounts}:3: line 3, credential "FNTCLI5": no finnet credential set of that name in SNAP_CREDENTIALS_FILE (its finnet sets: FNTCLI1); every run would be an error for the account`,
    );
    expect(refused.stderr).not.toContain('not-a-real-secret');
    expect(JSON.parse(refused.stdout)).toMatchObject({ accountsCreated: 1, rejectedCount: 1 });
    // Where the SNAP secrets are not (compose's demo-data job), the name is not checked.
    const unchecked = await cli(['accounts', 'import', accounts], env);
    expect(unchecked.code).toBe(0);
    expect(JSON.parse(unchecked.stdout)).toMatchObject({ accountsCreated: 1, duplicates: 1 });
    // The runs below count the pipeline's accounts.
    await pipeline.db.dataSource.query(
      `DELETE FROM provider_accounts WHERE merchant_id IN ('CLI4', 'CLI5')`,
    );
  });

  it('reconcile --wait --json prints the finished run with counts per status and provider', async () => {
    await pipeline.db.dataSource.query(
      `UPDATE provider_accounts SET enabled = false WHERE account_no = 'NPCLI1'`,
    );
    const { code, stdout } = await cli(
      ['reconcile', '--wait', '--json', '--provider', 'nicepay'],
      env,
    );
    expect(code).toBe(0);
    const run = JSON.parse(stdout);
    expect(run).toMatchObject({ status: 'finished', accountCount: 10 });
    expect(Object.keys(run.counts).sort()).toEqual([...RESULT_STATUSES].sort());
    expect(Object.keys(run.byProvider)).toEqual(['nicepay']);
    const expected = pipeline.scenario.filter((a) => a.provider === 'nicepay');
    for (const status of RESULT_STATUSES) {
      expect(run.counts[status]).toBe(expected.filter((a) => a.expected.status === status).length);
    }
    // The audit trail names who started it from the command line.
    const audit = await pipeline.db.dataSource.query(
      `SELECT actor_name, actor_role, action FROM audit_log WHERE subject_id = $1`,
      [String(run.id)],
    );
    expect(audit).toEqual([
      { actor_name: `cli:${userInfo().username}`, actor_role: 'cli', action: 'run.start' },
    ]);
  });

  it('report prints JSON with decimal amounts, CSV, or a table', async () => {
    const json = await cli(['report', 'latest', '--format', 'json'], env);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report.results).toHaveLength(10);
    for (const r of report.results) {
      expect(Object.keys(r)).toEqual(
        expect.arrayContaining([
          'merchantId',
          'provider',
          'accountNo',
          'status',
          'providerBalance',
          'ledgerBalance',
          'difference',
          'responseCode',
          'error',
        ]),
      );
      if (r.status === 'matched') expect(r.difference).toBe('0.00');
      if (r.providerBalance !== null) expect(r.providerBalance).toMatch(/^-?\d+\.\d{2}$/);
    }
    const csv = await cli(['report', report.run.id, '--format', 'csv'], env);
    expect(csv.stdout.split('\n')[0]).toBe(
      'merchantId,provider,accountNo,msId,status,providerBalance,ledgerBalance,difference,inFlightAmount,currency,responseCode,attempts,providerTime,error,providerStatus,providerName,explanation,externalId,providerReference,asOf',
    );
    expect(csv.stdout.trim().split('\n')).toHaveLength(11);
    const table = await cli(['report', 'latest'], env);
    expect(table.stdout).toContain(`Run ${report.run.id}  finished  10 accounts`);
  });

  it('report --format csv defuses provider texts starting with = + - @ tab or CR, negative amounts as they are', async () => {
    const { runId, planted } = await plantFormulaRun(pipeline.db.dataSource);
    const csv = await cli(['report', runId, '--format', 'csv'], env);
    expect(csv.code).toBe(0);
    expectFormulaCellsDefused(csv.stdout, planted);
  });

  it('exits non-zero with a clear message when it cannot run', async () => {
    expect(await cli(['report', 'latest', '--format', 'xml'], env)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining(
        `option '--format <format>' argument 'xml' is invalid. Allowed choices are table, json, csv.`,
      ),
    });
    expect(await cli(['report', '../etc/passwd'], env)).toMatchObject({ code: 2 });
    expect(await cli(['report', '987654'], env)).toMatchObject({
      code: 1,
      stderr: 'error: run 987654 not found\n',
    });
    expect(await cli(['reconcile', '--provider', 'paypal'], env)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining(
        `argument 'paypal' is invalid. Allowed choices are ${PROVIDERS.join(', ')}.`,
      ),
    });
    // Plain decimal digits, as every number setting (1e3 and 0x10 were taken).
    for (const timeout of ['1e3', '0x10', ' 5 ', '0', '-1', '2.5']) {
      expect(await cli(['reconcile', '--timeout', timeout], env)).toMatchObject({
        code: 2,
        stderr: `error: --timeout: ${JSON.stringify(timeout)} is not a positive number of seconds\n`,
      });
    }
    // A typo in a merchant id: no empty all-clear run, exit 2 naming it.
    expect(await cli(['reconcile', '--merchant', 'NOSUCH', '--wait'], env)).toMatchObject({
      code: 2,
      stderr:
        'error: no enabled account matches merchantId "NOSUCH"; merchant "NOSUCH" has no accounts\n',
    });
    const down = await cli(['report', 'latest'], {
      ...env,
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none',
    });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^error: /);
    // A schema with no tables (not migrated, or not the apps' one): says what to check.
    const unmigrated = await cli(['report', 'latest'], {
      ...env,
      DATABASE_SCHEMA: 'no_such_schema_here',
    });
    expect(unmigrated).toMatchObject({
      code: 1,
      stderr:
        'error: relation "reconciliation_runs" does not exist\nhint: DATABASE_SCHEMA "no_such_schema_here" lacks a snap-recon table: it is not migrated (to this version: npm run cli -- migrate), or not the schema the apps use\n',
    });
  });

  it("npm run demo where Redis does not answer and nothing can start it: the error masks the URL's password (it printed REDIS_URL whole; found by a reviewer)", async () => {
    const port = await freePort();
    const noTools = mkdtempSync(join(tmpdir(), 'snap-recon-no-tools-'));
    try {
      for (const [url, shown] of [
        [`redis://:DemoSecretPw123@127.0.0.1:${port}/0`, `redis://:***@127.0.0.1:${port}/0`],
        [
          `redis://127.0.0.1:${port}/0?password=DemoQuerySecret45`,
          `redis://127.0.0.1:${port}/0?password=***`,
        ],
      ]) {
        // PATH without docker, redis-server or sh: the demo cannot start a Redis of its own.
        const r = await demo({ PATH: noTools, DATABASE_URL: config.DATABASE_URL, REDIS_URL: url });
        expect(r.code).toBe(1);
        expect(r.stderr).toContain(`Redis does not answer at ${shown};`);
        expect(r.stdout + r.stderr).not.toMatch(/DemoSecretPw123|DemoQuerySecret45/);
      }
    } finally {
      rmSync(noTools, { recursive: true, force: true });
    }
  });

  it('npm run demo refuses a DEMO_ACCOUNTS that is not a count, naming it (Number() made "abc" an empty run)', async () => {
    const r = await demo({ PATH: process.env.PATH ?? '', DEMO_ACCOUNTS: 'abc' });
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toBe(
      'demo failed: DEMO_ACCOUNTS="abc": must be a whole number of accounts from 1 to 99999 in decimal digits (default 300)\n',
    );
  });

  it('with Redis away, reconcile and cancel exit 1 within seconds, having started or cancelled nothing', async () => {
    const runs = async () =>
      (await pipeline.db.dataSource.query(
        `SELECT id, status FROM reconciliation_runs ORDER BY id`,
      )) as {
        id: string;
        status: string;
      }[];
    const before = await runs();
    const noRedis = { ...env, REDIS_URL: 'redis://127.0.0.1:1' };
    const message =
      "error: the queues' Redis does not answer (no answer within 3000 ms): nothing was started or cancelled";
    // Each command: the 3 s PING, at most 5 s to close, and the start of a node process.
    const BOUND_MS = 15_000;
    let started = Date.now();
    const reconcile = await cli(['reconcile', '--provider', 'finnet', '--timeout', '10'], noRedis);
    expect(Date.now() - started).toBeLessThan(BOUND_MS);
    expect(reconcile.code).toBe(1);
    expect(reconcile.stderr).toContain(message);
    const [{ id: runId }] = await pipeline.db.dataSource.query(
      `INSERT INTO reconciliation_runs (trigger, status, account_ids, account_count)
       VALUES ('cli', 'running', '{}', 0) RETURNING id`,
    );
    started = Date.now();
    const cancel = await cli(['cancel', String(runId)], noRedis);
    expect(Date.now() - started).toBeLessThan(BOUND_MS);
    expect(cancel.code).toBe(1);
    expect(cancel.stderr).toContain(message);
    // No run made; the running one still running (its jobs could not have been removed).
    expect(await runs()).toEqual([...before, { id: String(runId), status: 'running' }]);
    await pipeline.db.dataSource.query(`DELETE FROM reconciliation_runs WHERE id = $1`, [runId]);
  }, 60_000);

  describe('conventions', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      version: string;
      bin: Record<string, string>;
    };
    // Nothing but PATH, and a DATABASE_URL that would stop any command that loads the config.
    const noEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
    const badEnv = { ...noEnv, DATABASE_URL: 'not-a-url', REDIS_URL: 'nope' };

    it.each([
      ['no environment', noEnv],
      ['an invalid environment', badEnv],
    ])('--help and --version work with %s', async (_, environment) => {
      const help = await cli(['--help'], environment, false);
      expect(help).toMatchObject({ code: 0, stderr: '' });
      for (const command of ['migrate', 'accounts', 'ledger', 'reconcile', 'report'])
        expect(help.stdout).toContain(command);
      expect(await cli(['--version'], environment, false)).toEqual({
        code: 0,
        stdout: `${pkg.version}\n`,
        stderr: '',
      });
      const reportHelp = await cli(['report', '--help'], environment, false);
      expect(reportHelp.code).toBe(0);
      // Commander wraps help to the width; compare with the wrapping undone.
      expect(reportHelp.stdout.replace(/\s+/g, ' ')).toContain(
        '--format <format> output format (choices: "table", "json", "csv", default: "table")',
      );
    });

    it('a command that needs the settings names the bad one and exits 1', async () => {
      expect(await cli(['migrate'], badEnv, false)).toMatchObject({
        code: 1,
        stderr: expect.stringContaining('DATABASE_URL="not-a-url"'),
      });
    });

    it.each([
      [['nope'], "error: unknown command 'nope'"],
      [['report'], "error: missing required argument 'runId'"],
      [['report', 'latest', '--colour'], "error: unknown option '--colour'"],
      [['reconcile', '--provider'], "error: option '--provider <provider>' argument missing"],
      [['accounts', 'import'], "error: missing required argument 'file'"],
    ])('commander rejects %j with exit 2 before reading any setting', async (args, message) => {
      const ran = await cli(args, badEnv, false);
      expect(ran.code).toBe(2);
      expect(ran.stderr).toContain(message);
      expect(ran.stderr).not.toContain('invalid configuration');
    });

    it('package.json has a snap-recon bin that runs this CLI (npx snap-recon)', async () => {
      expect(pkg.bin).toEqual({ 'snap-recon': 'dist/apps/cli/src/main.js' });
      expect(readFileSync(join(root, pkg.bin['snap-recon']), 'utf8')).toMatch(
        /^#!\/usr\/bin\/env node\n/,
      );
      const viaNpx = await new Promise<{ code: number; stdout: string }>((done) =>
        execFile(
          'npx',
          ['--no-install', 'snap-recon', '--version'],
          { cwd: root, env: { ...process.env, ...noEnv }, timeout: 60_000 },
          (error, stdout) => done({ code: error ? 1 : 0, stdout }),
        ),
      );
      expect(viaNpx).toEqual({ code: 0, stdout: `${pkg.version}\n` });
    });
  });

  it('cancel stops a running run (pending jobs removed, results kept) and refuses a run that is not running', async () => {
    await pipeline.stopWorker();
    const started = await cli(['reconcile', '--json', '--provider', 'nicepay'], env);
    expect(started.code).toBe(0);
    const { id } = JSON.parse(started.stdout) as { id: string };
    expect(await cli(['cancel', id], env)).toMatchObject({
      code: 0,
      stdout: `run ${id} cancelled: 10 of its jobs removed from the queues (waiting, delayed or done), 0 results kept\n`,
    });
    const report = JSON.parse((await cli(['report', id, '--format', 'json'], env)).stdout) as {
      run: { status: string };
    };
    expect(report.run.status).toBe('cancelled');
    // The audit trail names who cancelled it from the command line, when, and what it did.
    const cancels = () =>
      pipeline.db.dataSource.query(
        `SELECT actor_name, actor_role, before, after, at FROM audit_log
          WHERE action = 'run.cancel' AND subject_type = 'run' AND subject_id = $1`,
        [id],
      );
    const [record, ...more] = await cancels();
    expect(more).toEqual([]);
    expect(record).toMatchObject({
      actor_name: `cli:${userInfo().username}`,
      actor_role: 'cli',
      before: { status: 'running' },
      after: { status: 'cancelled', removedJobs: 10, resultsKept: 0 },
    });
    expect(Date.now() - (record.at as Date).getTime()).toBeLessThan(60_000);
    expect(await cli(['cancel', id], env)).toMatchObject({
      code: 1,
      stderr: `error: run ${id} is cancelled, not running\n`,
    });
    expect(await cancels()).toHaveLength(1); // a refused cancel records nothing
    expect(await cli(['cancel', 'latest'], env)).toMatchObject({
      code: 2,
      stderr: 'error: RUN_ID: "latest" is not a run id\n',
    });
  });
});
