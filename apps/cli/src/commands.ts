import type { INestApplicationContext } from '@nestjs/common';
import { userInfo } from 'node:os';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { AppConfig } from '@app/config';
import {
  assertRedisDatabaseExists,
  createLogger,
  dataSourceOptions,
  runMigrations,
  within,
} from '@app/infra';
import { importAccountsCsv, importLedgerCsv, KnownCredentialSets } from '@app/ledger';
import {
  EmptyRunScopeError,
  QueuesUnreachableError,
  loadRunReport,
  reportToCsv,
  reportToTable,
  RunsService,
  runSummaryJson,
} from '@app/reconciliation';
import {
  isProviderName,
  loadCredentials,
  ProviderName,
  PROVIDERS,
  resolveProfilesFromEnv,
} from '@app/snap';
import { CliModule } from './cli.module';
import { waitForRun } from './wait-for-run';

/**
 * Closes the Nest context, giving up after a few seconds: with Redis away, closing the queues
 * waits for a connection that never comes, and the command, whose outcome is already known,
 * would never exit. A close that fails is not the command's outcome either: it is left at that.
 */
async function closeApp(app: INestApplicationContext): Promise<void> {
  await within(5_000, app.close()).catch(() => undefined);
}

/** The Nest context of a command that uses the queues (after the Redis database check). */
async function openApp(config: AppConfig): Promise<INestApplicationContext> {
  await assertRedisDatabaseExists(config);
  const logger = createLogger(config, 'cli', process.stderr);
  return NestFactory.createApplicationContext(CliModule.forRoot(config, logger), {
    logger: ['error'],
  });
}

/** A failure the CLI reports on stderr with this exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

type Out = (text: string) => void;

async function withDataSource<T>(
  config: AppConfig,
  work: (ds: DataSource) => Promise<T>,
): Promise<T> {
  const ds = new DataSource(dataSourceOptions(config));
  await ds.initialize();
  try {
    return await work(ds);
  } finally {
    await ds.destroy();
  }
}

export async function migrate(config: AppConfig, out: Out): Promise<void> {
  const applied = await runMigrations(config);
  out(applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date');
}

/**
 * Who the audit trail names for what the CLI starts: the operating-system user, marked as the
 * CLI (whoever can run it holds the database credentials, so it answers to no role check).
 */
export function cliActor(): { name: string; role: string } {
  return { name: `cli:${userInfo().username}`, role: 'cli' };
}

/** Each provider's profile with the deployment's `SNAP_<NAME>_*` overrides, by name. */
function deployedProfiles(config: AppConfig) {
  const profiles = resolveProfilesFromEnv(config as unknown as Record<string, unknown>);
  return Object.fromEntries(profiles.map((p) => [p.provider, p]));
}

/**
 * The credential sets this deployment holds, by provider, when `SNAP_CREDENTIALS_FILE` is set
 * (read as the worker reads it, so a bad file is an error here too). Without it the import runs
 * where the SNAP secrets are not (compose's demo-data job) and a set's name is not checked.
 */
function deployedCredentialSets(env: NodeJS.ProcessEnv): KnownCredentialSets | undefined {
  if (!env.SNAP_CREDENTIALS_FILE) return undefined;
  const sets = new Map<string, Set<string>>();
  for (const { provider, name } of loadCredentials(env).all()) {
    const names = sets.get(provider) ?? sets.set(provider, new Set()).get(provider)!;
    names.add(name);
  }
  return sets;
}

/** Imports a CSV; exits 3 when some rows were rejected (they are listed on stderr). */
export async function importCsv(
  config: AppConfig,
  kind: 'accounts' | 'ledger',
  file: string,
  out: Out,
  err: Out,
) {
  const summary = await withDataSource(config, (ds) =>
    kind === 'accounts'
      ? importAccountsCsv(ds, file, {
          profiles: deployedProfiles(config),
          credentialSets: deployedCredentialSets(process.env),
        })
      : importLedgerCsv(ds, file),
  );
  for (const row of summary.rejected) err(`${file}:${row.line}: ${row.message}`);
  if (summary.rejectedTruncated)
    err(`(only the first ${summary.rejected.length} rejected rows are listed)`);
  const { rejected: _listed, ...counts } = summary;
  out(JSON.stringify({ file, ...counts }));
  if (summary.rejectedCount > 0) throw new CliError(`${summary.rejectedCount} row(s) rejected`, 3);
}

export interface ReconcileOptions {
  wait?: boolean;
  provider?: string;
  merchant?: string;
  json?: boolean;
  timeout: string;
}

/** Starts a run; with --wait, waits for it and prints its summary (exit 0 whatever it found). */
export async function reconcile(
  config: AppConfig,
  opts: ReconcileOptions,
  out: Out,
): Promise<void> {
  if (opts.provider !== undefined && !isProviderName(opts.provider)) {
    throw new CliError(
      `--provider: ${JSON.stringify(opts.provider)} is not one of ${PROVIDERS.join(', ')}`,
      2,
    );
  }
  // Plain decimal digits, as every number setting: Number() would take 1e3, 0x10 and " 5 ".
  const timeoutSeconds = /^[0-9]+$/.test(opts.timeout) ? Number(opts.timeout) : NaN;
  if (!Number.isSafeInteger(timeoutSeconds) || timeoutSeconds <= 0) {
    throw new CliError(
      `--timeout: ${JSON.stringify(opts.timeout)} is not a positive number of seconds`,
      2,
    );
  }
  const app = await openApp(config);
  try {
    const runs = app.get(RunsService);
    const run = await runs
      .start(
        'cli',
        { provider: opts.provider as ProviderName | undefined, merchantId: opts.merchant },
        null,
        cliActor(),
        true,
      )
      .catch((e: unknown) => {
        if (e instanceof EmptyRunScopeError) throw new CliError(e.message, 2);
        if (e instanceof QueuesUnreachableError) throw new CliError(e.message, 1);
        throw e;
      });
    if (!opts.wait) {
      out(
        opts.json
          ? JSON.stringify({ id: run.runId, status: 'running', accountCount: run.accountCount })
          : `run ${run.runId} started: ${run.accountCount} accounts`,
      );
      return;
    }
    const ds = app.get(DataSource);
    const { run: view, timedOut } = await waitForRun(ds, run.runId, {
      timeoutMs: timeoutSeconds * 1000,
    });
    if (timedOut)
      throw new CliError(
        `run ${run.runId} still running after ${timeoutSeconds}s (${view.completedCount}/${view.accountCount} accounts done); is a worker running?`,
        4,
      );
    if (opts.json) out(JSON.stringify(runSummaryJson(view)));
    else out(reportToTable((await loadRunReport(ds, run.runId))!));
  } finally {
    await closeApp(app);
  }
}

/** Prints a run's report as a table, JSON or CSV. */
export async function report(
  config: AppConfig,
  runRef: string,
  format: string,
  out: Out,
): Promise<void> {
  if (!['table', 'json', 'csv'].includes(format))
    throw new CliError(`--format: ${JSON.stringify(format)} must be table, json or csv`, 2);
  if (!/^(\d{1,18}|latest)$/.test(runRef))
    throw new CliError(`RUN_ID: ${JSON.stringify(runRef)} is not a run id or "latest"`, 2);
  const data = await withDataSource(config, (ds) => loadRunReport(ds, runRef));
  if (!data) throw new CliError(`run ${runRef} not found`, 1);
  if (format === 'json') out(JSON.stringify(data));
  else if (format === 'csv') out(reportToCsv(data).trimEnd());
  else out(reportToTable(data));
}

/** Cancels a running run: its jobs removed from the queues, results so far kept. */
export async function cancel(config: AppConfig, runId: string, out: Out): Promise<void> {
  if (!/^\d{1,18}$/.test(runId))
    throw new CliError(`RUN_ID: ${JSON.stringify(runId)} is not a run id`, 2);
  const app = await openApp(config);
  try {
    const outcome = await app
      .get(RunsService)
      .cancel(runId, 'cli', cliActor())
      .catch((e: unknown) => {
        if (e instanceof QueuesUnreachableError) throw new CliError(e.message, 1);
        throw e;
      });
    if (!outcome.cancelled)
      throw new CliError(
        outcome.status === null
          ? `run ${runId} not found`
          : `run ${runId} is ${outcome.status}, not running`,
        1,
      );
    out(
      `run ${runId} cancelled: ${outcome.removedJobs} of its jobs removed from the queues (waiting, delayed or done), ${outcome.resultsKept} results kept`,
    );
  } finally {
    await closeApp(app);
  }
}
