import { parse } from 'csv-parse/sync';
import type { DataSource } from 'typeorm';
import { finalizeRun } from '@app/reconciliation';

/** The leading characters a spreadsheet runs as a formula (OWASP): = + - @ tab CR. */
export const FORMULA_STARTS = ['=', '+', '-', '@', '\t', '\r'] as const;

/** A result of {@link plantFormulaRun}: provider texts starting with `start`, negative amounts. */
export interface PlantedResult {
  start: string;
  accountNo: string;
  providerName: string;
  providerStatus: string;
  error: string;
  providerBalance: string;
  ledgerBalance: string;
  difference: string;
}

/**
 * A finished run (started `startedDaysAgo` days ago, outside the daily report's window; being
 * the newest id, it becomes `latest`) whose results, one per formula start on the first
 * accounts, carry a provider name, status and error starting with it, and negative balances
 * and difference: what a hostile provider could answer.
 */
export async function plantFormulaRun(
  ds: DataSource,
  startedDaysAgo = 400,
): Promise<{ runId: string; planted: PlantedResult[] }> {
  const accounts: { id: string; account_no: string }[] = await ds.query(
    `SELECT id, account_no FROM provider_accounts ORDER BY id LIMIT $1`,
    [FORMULA_STARTS.length],
  );
  const [{ id }]: { id: string }[] = await ds.query(
    `INSERT INTO reconciliation_runs (trigger, status, started_at, account_count, completed_count)
     VALUES ('api', 'running', now() - make_interval(days => $1), $2, $2) RETURNING id`,
    [startedDaysAgo, accounts.length],
  );
  const runId = String(id);
  const planted = accounts.map((a, i): PlantedResult => {
    const start = FORMULA_STARTS[i];
    return {
      start,
      accountNo: a.account_no,
      providerName: `${start}HYPERLINK("http://evil.example","click")`,
      providerStatus: `${start}cmd=blocked`,
      error: `${start}SUM(1+1) answered by the provider`,
      providerBalance: '-10.50',
      ledgerBalance: '-0.50',
      difference: '-10.00',
    };
  });
  for (const [i, a] of accounts.entries()) {
    const start = FORMULA_STARTS[i];
    await ds.query(
      `INSERT INTO reconciliation_results (run_id, account_id, status, is_final, provider_balance, ledger_balance,
              difference, currency, response_code, attempts, provider_time, as_of, error_message,
              provider_status, provider_name)
       VALUES ($1, $2, 'mismatched', true, -1050, -50, -1000, 'IDR', '2001100', 1, now(), now(), $3, $4, $5)`,
      [
        runId,
        a.id,
        planted[i].error,
        JSON.stringify({ [`${start}cmd`]: 'blocked' }),
        planted[i].providerName,
      ],
    );
  }
  await finalizeRun(ds, runId, 0n);
  return { runId, planted };
}

/**
 * Checks a results CSV of {@link plantFormulaRun}'s run: every planted text cell comes out
 * prefixed with `'`, every negative amount exactly as the report writes it.
 */
export function expectFormulaCellsDefused(csv: string, planted: PlantedResult[]): void {
  const rows = parse(csv, { columns: true }) as Record<string, string>[];
  expect(rows).toHaveLength(planted.length);
  for (const p of planted) {
    const row = rows.find((r) => r.accountNo === p.accountNo);
    expect({ start: p.start, ...pick(row) }).toEqual({
      start: p.start,
      providerName: `'${p.providerName}`,
      providerStatus: `'${p.providerStatus}`,
      error: `'${p.error}`,
      providerBalance: p.providerBalance,
      ledgerBalance: p.ledgerBalance,
      difference: p.difference,
    });
  }
}

const pick = (row: Record<string, string> | undefined) => ({
  providerName: row?.providerName,
  providerStatus: row?.providerStatus,
  error: row?.error,
  providerBalance: row?.providerBalance,
  ledgerBalance: row?.ledgerBalance,
  difference: row?.difference,
});
