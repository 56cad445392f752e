import type { DataSource } from 'typeorm';
import { accountsRepository } from '@app/ledger';
import { errorResult, resultsRepository, runsRepository } from '@app/reconciliation';
import { createTestDatabase } from '../support/test-database';
import { testConfig } from '../support/test-config';

/** 2^53 + 1: the first integer a JS number cannot hold; money must survive it exactly. */
export const BEYOND_2_53 = 9_007_199_254_740_993n;

/**
 * The test file's own schema, migrated before its tests and dropped after: `db()` is the
 * connected data source.
 */
export function useTestDatabase(): () => DataSource {
  let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  beforeAll(async () => {
    database = await createTestDatabase(testConfig());
  }, 30_000);
  afterAll(async () => {
    await database?.drop();
  });
  return () => database!.dataSource;
}

/** Accounts `provider/accountNo` (netzme by default) of merchant `m1`; returns their ids in order. */
export async function createAccounts(
  ds: DataSource,
  accountNos: string[],
  options: { provider?: string; merchantId?: string; enabled?: boolean } = {},
): Promise<string[]> {
  const merchantId = options.merchantId ?? 'm1';
  const provider = options.provider ?? 'netzme';
  await accountsRepository.upsertMerchants(ds, new Map([[merchantId, `Merchant ${merchantId}`]]));
  await accountsRepository.insertAccounts(
    ds,
    accountNos.map((accountNo) => ({
      merchantId,
      provider,
      accountNo,
      currency: 'IDR',
      credentialSet: null,
      enabled: options.enabled ?? true,
      msId: null,
      expectedProviderName: null,
    })),
  );
  const found = await accountsRepository.findIdsByKeys(
    ds,
    accountNos.map((accountNo) => ({ provider, accountNo })),
  );
  const byNo = new Map(found.map((a) => [a.accountNo, a.id]));
  return accountNos.map((no) => byNo.get(no)!);
}

/** A new API run holding one final result per `[accountId, status, difference]`; returns its id. */
export async function runWithResults(
  ds: DataSource,
  results: [string, 'matched' | 'mismatched' | 'inactive', bigint | null][],
): Promise<string> {
  const { runId } = (await runsRepository.create(ds, 'api', {}, null))!;
  await resultsRepository.upsertBatch(
    ds,
    results.map(([accountId, status, difference]) => ({
      ...errorResult({ runId, accountId, attempts: 1 }),
      status,
      final: true,
      difference,
    })),
  );
  return runId;
}
