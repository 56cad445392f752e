import type { Db } from '@app/ledger';
import { runsRepository } from '@app/reconciliation';
import { DiscrepancyRunIndexes1765100000000 } from '../../migrations/1765100000000-DiscrepancyRunIndexes';
import { useTestDatabase } from './repository-fixtures';

/** One node of `EXPLAIN (FORMAT JSON)`. */
interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Parent Relationship'?: string;
  'Subplan Name'?: string;
  Plans?: PlanNode[];
}

/** Every scan of `relation` in a plan, and whether it is repeated for each row of an outer side. */
function scansOf(
  plan: PlanNode,
  relation: string,
  repeated = false,
): { node: string; index?: string; repeated: boolean }[] {
  const here =
    plan['Relation Name'] === relation
      ? [{ node: plan['Node Type'], index: plan['Index Name'], repeated }]
      : [];
  return [
    ...here,
    ...(plan.Plans ?? []).flatMap((child) =>
      scansOf(
        child,
        relation,
        repeated ||
          // The inner side of a nested loop is scanned again for each outer row, and so is a
          // subplan that is not hashed.
          (plan['Node Type'] === 'Nested Loop' && child['Parent Relationship'] === 'Inner') ||
          (child['Parent Relationship'] === 'SubPlan' &&
            !child['Subplan Name']?.startsWith('hashed')),
      ),
    ),
  ];
}
/** The indexes a plan reads (a Bitmap Heap Scan's are named by its Bitmap Index Scans). */
const indexesOf = (plan: PlanNode): string[] => [
  ...(plan['Index Name'] ? [plan['Index Name']] : []),
  ...(plan.Plans ?? []).flatMap(indexesOf),
];
const INDEXED = ['Index Scan', 'Index Only Scan', 'Bitmap Heap Scan'];

/**
 * Every run column of `discrepancies` references reconciliation_runs, and retention deletes
 * old runs: each deletion is checked against every foreign key naming runs (one lookup per
 * deleted run and column), and retention's own query must find the runs no discrepancy names.
 * Without an index on a column, both scan every discrepancy once per run (migrations
 * RetentionIndexes for opened/last, DiscrepancyRunIndexes for resolved/reopened).
 */
describe('indexes of the run columns of discrepancies (real Postgres)', () => {
  const db = useTestDatabase();
  const RUNS = 10_000;
  const DISCREPANCIES = 30_000;

  beforeAll(async () => {
    // Old runs; the first half named by resolved discrepancies (a third resolved by a person,
    // so naming no resolving run; one in 50 once reopened), the second half by none.
    await db().query(`INSERT INTO merchants (id, name) VALUES ('IDX', 'Index merchant')`);
    await db().query(
      `INSERT INTO provider_accounts (merchant_id, provider, account_no)
       SELECT 'IDX', 'netzme', 'IDX-' || g FROM generate_series(1, 100) g`,
    );
    await db().query(
      `INSERT INTO reconciliation_runs (trigger, status, started_at, finished_at)
       SELECT 'schedule', 'finished', now() - interval '200 days' + g * interval '1 minute',
              now() - interval '200 days' + g * interval '1 minute'
         FROM generate_series(1, $1::int) g`,
      [RUNS],
    );
    await db().query(
      `WITH bounds AS (SELECT min(id) AS run, (SELECT min(id) FROM provider_accounts) AS account
                         FROM reconciliation_runs)
       INSERT INTO discrepancies (account_id, status, opened_run_id, last_run_id, first_difference,
                                  last_difference, resolved_run_id, reopened_run_id)
       SELECT b.account + g % 100, 'resolved', b.run + g % ($2::int / 2), b.run + (g + 7) % ($2::int / 2),
              -100, -100,
              CASE WHEN g % 3 = 0 THEN NULL ELSE b.run + (g + 13) % ($2::int / 2) END,
              CASE WHEN g % 50 = 0 THEN b.run + (g + 29) % ($2::int / 2) END
         FROM bounds b, generate_series(1, $1::int) g`,
      [DISCREPANCIES, RUNS],
    );
    await db().query(`ANALYZE discrepancies`);
    await db().query(`ANALYZE reconciliation_runs`);
  }, 60_000);

  it('has a partial index on resolved_run_id and on reopened_run_id, and an index leading with every run foreign key', async () => {
    const indexes: { indexname: string; indexdef: string }[] = await db().query(
      `SELECT indexname, indexdef FROM pg_indexes
        WHERE schemaname = current_schema() AND tablename = 'discrepancies'
          AND indexname IN ('discrepancies_resolved_run', 'discrepancies_reopened_run')
        ORDER BY indexname`,
    );
    expect(indexes.map((i) => [i.indexname, i.indexdef.replace(/ ON \S+\./, ' ON ')])).toEqual([
      [
        'discrepancies_reopened_run',
        'CREATE INDEX discrepancies_reopened_run ON discrepancies USING btree (reopened_run_id) WHERE (reopened_run_id IS NOT NULL)',
      ],
      [
        'discrepancies_resolved_run',
        'CREATE INDEX discrepancies_resolved_run ON discrepancies USING btree (resolved_run_id) WHERE (resolved_run_id IS NOT NULL)',
      ],
    ]);
    // No foreign key of discrepancies to reconciliation_runs is left without one.
    const unindexed: { column: string }[] = await db().query(
      `SELECT a.attname AS column
         FROM pg_constraint c
         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
        WHERE c.contype = 'f' AND c.conrelid = 'discrepancies'::regclass
          AND c.confrelid = 'reconciliation_runs'::regclass
          AND NOT EXISTS (SELECT 1 FROM pg_index i
                           WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1])
        ORDER BY 1`,
    );
    expect(unindexed).toEqual([]);
  });

  it('checks a deleted run against resolved_run_id and reopened_run_id through those indexes', async () => {
    // The lookups Postgres makes for each deleted run (its foreign key check), as a generic
    // plan: the run id is a parameter, as in the check.
    const q = db().createQueryRunner();
    try {
      await q.query(`SET plan_cache_mode = force_generic_plan`);
      for (const column of ['resolved_run_id', 'reopened_run_id']) {
        await q.query(
          `PREPARE fk_check(bigint) AS
             SELECT 1 FROM ONLY discrepancies x WHERE $1 OPERATOR(pg_catalog.=) ${column} FOR KEY SHARE OF x`,
        );
        const [
          {
            'QUERY PLAN': [{ Plan }],
          },
        ] = await q.query(`EXPLAIN (FORMAT JSON) EXECUTE fk_check(1)`);
        await q.query(`DEALLOCATE fk_check`);
        const index = `discrepancies_${column.replace(/_id$/, '')}`;
        expect({
          column,
          scans: scansOf(Plan, 'discrepancies').map((scan) => scan.node),
          indexes: indexesOf(Plan),
        }).toEqual({
          column,
          scans: [expect.stringMatching(/^(Index Scan|Index Only Scan|Bitmap Heap Scan)$/)],
          indexes: [index],
        });
      }
    } finally {
      await q.query(`RESET plan_cache_mode`);
      await q.release();
    }
  });

  it('plans retention’s query without scanning discrepancies once per candidate run', async () => {
    // The statement deleteExpired sends, explained (not run) with its own parameters.
    let statement: { sql: string; params: unknown[] } | undefined;
    const recorder = {
      query: async (sql: string, params: unknown[]) => {
        statement = { sql, params };
        return [[], 0];
      },
    };
    await runsRepository.deleteExpired(
      recorder as unknown as Db,
      new Date(Date.now() - 90 * 86_400_000),
      5_000,
    );
    const [
      {
        'QUERY PLAN': [{ Plan }],
      },
    ] = await db().query(`EXPLAIN (FORMAT JSON) ${statement!.sql}`, statement!.params);
    const scans = scansOf(Plan, 'discrepancies');
    expect(scans.length).toBeGreaterThan(0);
    // Read once (a hash or merge join over the table or an index), or by index for each run:
    // never the whole table again for each run.
    expect(scans.filter((s) => s.repeated && !INDEXED.includes(s.node))).toEqual([]);
  });

  it('drops both indexes when the migration is reverted (and makes them again)', async () => {
    const names = async () =>
      (
        await db().query(
          `SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()
              AND indexname IN ('discrepancies_resolved_run', 'discrepancies_reopened_run')
            ORDER BY 1`,
        )
      ).map((r: { indexname: string }) => r.indexname);
    const migration = new DiscrepancyRunIndexes1765100000000();
    const q = db().createQueryRunner();
    try {
      await migration.down(q);
      expect(await names()).toEqual([]);
      await migration.up(q);
    } finally {
      await q.release();
    }
    expect(await names()).toEqual(['discrepancies_reopened_run', 'discrepancies_resolved_run']);
  });
});
