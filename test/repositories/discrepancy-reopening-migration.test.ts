import {
  changeDiscrepancy,
  discrepanciesRepository,
  errorResult,
  resultsRepository,
  runsRepository,
} from '@app/reconciliation';
import { DiscrepancyReopening1765000000000 } from '../../migrations/1765000000000-DiscrepancyReopening';
import { createAccounts, useTestDatabase } from './repository-fixtures';

/**
 * The migration that records the difference acknowledged: discrepancies acknowledged before it
 * get the difference their acknowledgement recorded in the audit trail (else their last one),
 * so a break that grew while acknowledged, unseen, is reopened by the next run.
 */
describe('migration DiscrepancyReopening (real Postgres)', () => {
  const db = useTestDatabase();
  /** Wide enough that nothing reopens while the state before the migration is built. */
  const NEVER = 10n ** 15n;

  async function mismatches(found: [string, bigint][], tolerance: bigint) {
    const { runId } = (await runsRepository.create(db(), 'api', {}, null))!;
    await resultsRepository.upsertBatch(
      db(),
      found.map(([accountId, difference]) => ({
        ...errorResult({ runId, accountId, attempts: 1 }),
        status: 'mismatched' as const,
        final: true,
        difference,
      })),
    );
    await db().transaction((tx) => discrepanciesRepository.applyRunResults(tx, runId, tolerance));
    return runId;
  }
  const byAccount = async (accountNo: string) =>
    (await discrepanciesRepository.findPage(db(), 'active', 100, 0)).find(
      (d) => d.accountNo === accountNo,
    )!;

  it('gives an acknowledged discrepancy the difference its acknowledgement recorded, else its last one', async () => {
    const [audited, unaudited, open] = await createAccounts(db(), ['MIG-1', 'MIG-2', 'MIG-3']);
    await mismatches(
      [
        [audited, -1_000_000n],
        [unaudited, -2_000n],
        [open, 300n],
      ],
      NEVER,
    );
    // Through the API's path (an audit record of -10000.00), and one with no record.
    await changeDiscrepancy(db(), (await byAccount('MIG-1')).id, 'acknowledge', 'asked', {
      name: 'ops',
      role: 'operator',
    });
    await discrepanciesRepository.setStatus(
      db(),
      (await byAccount('MIG-2')).id,
      'acknowledged',
      'known',
    );
    // The breaks grow while acknowledged, as they could before this migration, unseen.
    await mismatches(
      [
        [audited, -250_000_000n],
        [unaudited, -7_000n],
        [open, 900n],
      ],
      NEVER,
    );

    const migration = new DiscrepancyReopening1765000000000();
    const q = db().createQueryRunner();
    try {
      await migration.down(q);
      await migration.up(q);
    } finally {
      await q.release();
    }

    expect(await byAccount('MIG-1')).toMatchObject({
      status: 'acknowledged',
      acknowledgedDifference: -1_000_000n,
    });
    expect(await byAccount('MIG-2')).toMatchObject({
      status: 'acknowledged',
      acknowledgedDifference: -7_000n,
    });
    expect(await byAccount('MIG-3')).toMatchObject({
      status: 'open',
      acknowledgedDifference: null,
    });
    // The next run that still sees them so reopens the one that grew since its acknowledgement.
    const run = await mismatches(
      [
        [audited, -250_000_000n],
        [unaudited, -7_000n],
      ],
      0n,
    );
    expect(await byAccount('MIG-1')).toMatchObject({
      status: 'open',
      note: `asked\ndifference changed from -10000.00 to -2500000.00 in run ${run}; reopened`,
    });
    expect(await byAccount('MIG-2')).toMatchObject({ status: 'acknowledged', note: 'known' });
  });
});
