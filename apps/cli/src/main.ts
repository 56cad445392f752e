import 'reflect-metadata';
import { Command } from 'commander';
import { loadConfig } from '@app/config';
import { cancel, CliError, importCsv, migrate, reconcile, report } from './commands';

const out = (text: string) => process.stdout.write(`${text}\n`);
const err = (text: string) => process.stderr.write(`${text}\n`);

/** `npm run cli -- <command>`: migrate, imports, reconcile, report. */
async function main(argv: string[]): Promise<void> {
  const config = loadConfig({ LOG_LEVEL: 'warn', ...process.env });
  const program = new Command('snap-recon').description(
    'Reconcile merchant balances at SNAP providers against the ledger',
  );
  program
    .command('migrate')
    .description('apply pending database migrations')
    .action(() => migrate(config, out));
  program
    .command('accounts')
    .command('import <file>')
    .description(
      'import merchants and provider accounts: merchant_id,merchant_name,provider,account_no,currency[,credential]',
    )
    .action((file: string) => importCsv(config, 'accounts', file, out, err));
  program
    .command('ledger')
    .command('import <file>')
    .description('import ledger entries: provider,account_no,entry_ref,amount,posted_at')
    .action((file: string) => importCsv(config, 'ledger', file, out, err));
  program
    .command('reconcile')
    .description('start a reconciliation run')
    .option('--wait', 'wait for the run to finish and print its report')
    .option('--provider <provider>', 'only this provider (netzme, nicepay, finnet)')
    .option('--merchant <merchantId>', 'only this merchant')
    .option('--json', 'print one JSON object')
    .option('--timeout <seconds>', 'give up waiting after this long', '3600')
    .action((opts) => reconcile(config, opts, out));
  program
    .command('report <runId>')
    .description('print a run report (a run id or "latest")')
    .option('--format <format>', 'table, json or csv', 'table')
    .action((runId: string, opts: { format: string }) => report(config, runId, opts.format, out));
  program
    .command('cancel <runId>')
    .description('cancel a running run: pending jobs removed, results so far kept')
    .action((runId: string) => cancel(config, runId, out));
  await program.parseAsync(argv);
}

main(process.argv).then(
  () => process.exit(0),
  (e: Error) => {
    err(`error: ${e.message}`);
    process.exit(e instanceof CliError ? e.exitCode : 1);
  },
);
