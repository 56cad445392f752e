#!/usr/bin/env node
import 'reflect-metadata';
import { Command, CommanderError, Option } from 'commander';
import { AppConfig, loadConfig } from '@app/config';
import { ACCOUNTS_CSV_COLUMNS, LEDGER_CSV_COLUMNS } from '@app/ledger';
import { PROVIDERS } from '@app/snap';
import { cancel, CliError, importCsv, migrate, reconcile, report } from './commands';
import { packageVersion } from './package-version';

/** `a,b[,c]`: a CSV format's header as the help shows it. */
const csvColumns = (c: { required: readonly string[]; optional: readonly string[] }) =>
  c.required.join(',') + c.optional.map((o) => `[,${o}]`).join('');

const out = (text: string) => process.stdout.write(`${text}\n`);
const err = (text: string) => process.stderr.write(`${text}\n`);

/**
 * The settings, read when a command first needs them (never for --help, --version or a bad
 * argument, so those work with no environment at all).
 */
let loaded: AppConfig | undefined;
const config = (): AppConfig => (loaded ??= loadConfig({ LOG_LEVEL: 'warn', ...process.env }));

/** `snap-recon <command>` (`npm run cli --`, `npx snap-recon`): migrate, imports, reconcile, report. */
async function main(argv: string[]): Promise<void> {
  const program = new Command('snap-recon')
    .description('Reconcile merchant balances at SNAP providers against the ledger')
    .version(packageVersion())
    // Commander's own errors (unknown command or option, missing or invalid argument) throw a
    // CommanderError instead of exiting 1, so they exit 2 ("bad arguments") below. Set before
    // the commands are added: they inherit it.
    .exitOverride();
  program
    .command('migrate')
    .description('apply pending database migrations')
    .action(() => migrate(config(), out));
  program
    .command('accounts')
    .command('import <file>')
    .description(
      `import merchants and provider accounts: ${csvColumns(ACCOUNTS_CSV_COLUMNS)} (ms_id: a NICEPay seller, an account of its own)`,
    )
    .action((file: string) => importCsv(config(), 'accounts', file, out, err));
  program
    .command('ledger')
    .command('import <file>')
    .description(`import ledger entries: ${csvColumns(LEDGER_CSV_COLUMNS)}`)
    .action((file: string) => importCsv(config(), 'ledger', file, out, err));
  program
    .command('reconcile')
    .description('start a reconciliation run')
    .option('--wait', 'wait for the run to finish and print its report')
    .addOption(new Option('--provider <provider>', 'only this provider').choices(PROVIDERS))
    .option('--merchant <merchantId>', 'only this merchant')
    .option('--json', 'print one JSON object')
    .option('--timeout <seconds>', 'give up waiting after this long', '3600')
    .action((opts) => reconcile(config(), opts, out));
  program
    .command('report <runId>')
    .description('print a run report (a run id or "latest")')
    .addOption(
      new Option('--format <format>', 'output format')
        .choices(['table', 'json', 'csv'])
        .default('table'),
    )
    .action((runId: string, opts: { format: string }) => report(config(), runId, opts.format, out));
  program
    .command('cancel <runId>')
    .description('cancel a running run: its queued jobs removed, results so far kept')
    .action((runId: string) => cancel(config(), runId, out));
  await program.parseAsync(argv);
}

main(process.argv).then(
  () => process.exit(0),
  (e: Error) => {
    // Commander printed its own message (or the help / version) already.
    if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
    err(`error: ${e.message}${hintFor(e)}`);
    process.exit(e instanceof CliError ? e.exitCode : 1);
  },
);

/**
 * What to check after an error Postgres gave: a table missing (42P01) means a schema that is
 * not migrated, or not the one the apps use (a tester's CLI said only `relation
 * "reconciliation_runs" does not exist`).
 */
function hintFor(e: Error): string {
  const code = (e as { code?: unknown }).code;
  if (code !== '42P01') return '';
  const schema = loaded?.DATABASE_SCHEMA ?? process.env.DATABASE_SCHEMA ?? 'public';
  return `\nhint: DATABASE_SCHEMA "${schema}" lacks a snap-recon table: it is not migrated (to this version: npm run cli -- migrate), or not the schema the apps use`;
}
