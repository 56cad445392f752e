import { discrepanciesRepository } from '@app/reconciliation';
import { formatAmount } from '@app/snap';
import {
  BEYOND_2_53,
  createAccounts,
  runWithResults,
  useTestDatabase,
} from './repository-fixtures';

describe('discrepancies repository (real Postgres)', () => {
  const db = useTestDatabase();
  let ids: string[];

  beforeAll(async () => {
    ids = await createAccounts(db(), ['DS-1', 'DS-2']);
  });

  /** A run whose results are `statuses` (by account) with `difference`; applied to discrepancies. */
  async function runWith(statuses: ('matched' | 'mismatched')[], difference: bigint) {
    const runId = await runWithResults(
      db(),
      statuses.map((status, i) => [ids[i], status, status === 'mismatched' ? difference : 0n]),
    );
    await db().transaction((tx) => discrepanciesRepository.applyRunResults(tx, runId, 0n));
    return runId;
  }

  /** A run finding each `[accountId, difference]` mismatched, applied with `tolerance`. */
  async function mismatches(found: [string, bigint][], tolerance: bigint) {
    const runId = await runWithResults(
      db(),
      found.map(([accountId, difference]) => [accountId, 'mismatched', difference]),
    );
    await db().transaction((tx) => discrepanciesRepository.applyRunResults(tx, runId, tolerance));
    return runId;
  }
  const activeOn = async (accountNo: string) =>
    (await discrepanciesRepository.findPage(db(), 'active', 100, 0)).find(
      (d) => d.accountNo === accountNo,
    )!;

  it('opens one per mismatched account, adds occurrences, resolves on a match; idempotent per run', async () => {
    const first = await runWith(['mismatched', 'matched'], BEYOND_2_53);
    const [opened] = await discrepanciesRepository.findPage(db(), 'active', 10, 0);
    expect(opened).toMatchObject({
      status: 'open',
      merchantId: 'm1',
      provider: 'netzme',
      accountNo: 'DS-1',
      occurrences: 1,
      openedRunId: first,
      lastRunId: first,
      firstDifference: BEYOND_2_53,
      lastDifference: BEYOND_2_53,
      acknowledgedAt: null,
      resolvedAt: null,
      explanation: null,
    });
    expect(opened.openedAt).toBeInstanceOf(Date);
    // Applying the same run again changes nothing.
    await db().transaction((tx) => discrepanciesRepository.applyRunResults(tx, first, 0n));
    expect(await discrepanciesRepository.count(db(), 'all')).toBe(1);

    const second = await runWith(['mismatched', 'matched'], -5n);
    expect(await discrepanciesRepository.findById(db(), opened.id)).toMatchObject({
      occurrences: 2,
      lastRunId: second,
      firstDifference: BEYOND_2_53,
      lastDifference: -5n,
    });

    const third = await runWith(['matched', 'matched'], 0n);
    const resolved = (await discrepanciesRepository.findById(db(), opened.id))!;
    expect(resolved.status).toBe('resolved');
    expect(resolved.note).toBe(`matched again in run ${third}`);
    expect(await discrepanciesRepository.findResolvedByRun(db(), third)).toEqual([opened.id]);
    expect(await discrepanciesRepository.count(db(), 'active')).toBe(0);
    expect(await discrepanciesRepository.count(db(), 'resolved')).toBe(1);
  });

  it('announces each opening once (undelivered until marked)', async () => {
    const runId = await runWith(['matched', 'mismatched'], 7n);
    const [id] = await discrepanciesRepository.findUndelivered(db(), runId);
    expect(id).toMatch(/^\d+$/);
    await discrepanciesRepository.markNotified(db(), id);
    expect(await discrepanciesRepository.findUndelivered(db(), runId)).toEqual([]);
  });

  it("changes status under the row's lock and appends the note", async () => {
    const [active] = await discrepanciesRepository.findPage(db(), 'open', 10, 0);
    await db().transaction(async (tx) => {
      expect(await discrepanciesRepository.lockStatus(tx, active.id)).toBe('open');
      await discrepanciesRepository.setStatus(tx, active.id, 'acknowledged', 'looking');
    });
    const acknowledged = (await discrepanciesRepository.findById(db(), active.id))!;
    expect(acknowledged).toMatchObject({ status: 'acknowledged', note: 'looking' });
    expect(acknowledged.acknowledgedAt).toBeInstanceOf(Date);
    await discrepanciesRepository.setStatus(db(), active.id, 'resolved', 'fixed');
    expect(await discrepanciesRepository.findById(db(), active.id)).toMatchObject({
      status: 'resolved',
      note: 'looking\nfixed',
    });
    expect(await discrepanciesRepository.lockStatus(db(), '999999999')).toBeNull();
    expect(await discrepanciesRepository.findById(db(), '999999999')).toBeNull();
  });

  describe('an acknowledged discrepancy whose difference moves (RECON_TOLERANCE 5.00)', () => {
    const TOLERANCE = 500n;
    let acknowledged: string;
    let open: string;

    beforeAll(async () => {
      [acknowledged, open] = await createAccounts(db(), ['DS-ACK', 'DS-OPEN']);
    });

    it('records the difference acknowledged; a run within the tolerance of it leaves it acknowledged and unannounced', async () => {
      await mismatches([[acknowledged, -1_000_000n]], TOLERANCE); // 10,000.00 short
      const { id } = await activeOn('DS-ACK');
      await discrepanciesRepository.setStatus(db(), id, 'acknowledged', 'asked the provider');
      expect(await discrepanciesRepository.findById(db(), id)).toMatchObject({
        status: 'acknowledged',
        acknowledgedDifference: -1_000_000n,
      });
      // 5.00 more: the tolerance exactly.
      await mismatches([[acknowledged, -1_000_500n]], TOLERANCE);
      expect(await discrepanciesRepository.findById(db(), id)).toMatchObject({
        status: 'acknowledged',
        occurrences: 2,
        lastDifference: -1_000_500n,
        acknowledgedDifference: -1_000_000n,
        note: 'asked the provider',
      });
      expect(await discrepanciesRepository.findUnannouncedReopenings(db())).toEqual([]);
    });

    it('reopens it beyond the tolerance, with a note, once per run, to be announced; an open one in the same run only counts', async () => {
      await mismatches([[open, 700n]], TOLERANCE);
      const { id } = await activeOn('DS-ACK');
      const { id: openId } = await activeOn('DS-OPEN');
      const run = await mismatches(
        [
          [acknowledged, -250_000_000n], // now 2,500,000.00 short
          [open, BEYOND_2_53],
        ],
        TOLERANCE,
      );
      const expected = {
        status: 'open',
        occurrences: 3,
        lastRunId: run,
        lastDifference: -250_000_000n,
        acknowledgedAt: null,
        acknowledgedDifference: -1_000_000n, // kept: what was acknowledged
        note: `asked the provider\ndifference changed from -10000.00 to -2500000.00 in run ${run}; reopened`,
      };
      expect(await discrepanciesRepository.findById(db(), id)).toMatchObject(expected);
      expect(await discrepanciesRepository.findById(db(), openId)).toMatchObject({
        status: 'open',
        occurrences: 2,
        lastDifference: BEYOND_2_53,
        acknowledgedDifference: null,
        note: null,
      });
      const reopening = { discrepancyId: id, runId: run };
      expect(await discrepanciesRepository.findUnannouncedReopenings(db(), run)).toEqual([
        reopening,
      ]);
      // Applying the same run again changes nothing.
      await db().transaction((tx) => discrepanciesRepository.applyRunResults(tx, run, TOLERANCE));
      expect(await discrepanciesRepository.findById(db(), id)).toMatchObject(expected);
      // A later run that still sees it so: one more occurrence, no other note, no other alert.
      await mismatches([[acknowledged, -900_000_000n]], TOLERANCE);
      expect(await discrepanciesRepository.findById(db(), id)).toMatchObject({
        status: 'open',
        occurrences: 4,
        note: expected.note,
      });
      expect(await discrepanciesRepository.findUnannouncedReopenings(db())).toEqual([reopening]);
      // Delivered: announced. A delivery of an earlier reopening would mark nothing.
      await discrepanciesRepository.markReopenNotified(db(), { ...reopening, runId: '1' });
      expect(await discrepanciesRepository.findUnannouncedReopenings(db())).toEqual([reopening]);
      await discrepanciesRepository.markReopenNotified(db(), reopening);
      expect(await discrepanciesRepository.findUnannouncedReopenings(db())).toEqual([]);
    });

    it('a break on an account the provider calls inactive counts as a break: it opens one, adds an occurrence, reopens an acknowledged one; an inactive refusal (no difference) does nothing (a tester saw such breaks dropped)', async () => {
      const [blocked, refused] = await createAccounts(db(), ['DS-BLOCKED', 'DS-REFUSED']);
      const apply = async (found: [string, 'mismatched' | 'inactive', bigint | null][]) => {
        const runId = await runWithResults(db(), found);
        await db().transaction((tx) =>
          discrepanciesRepository.applyRunResults(tx, runId, TOLERANCE),
        );
        return runId;
      };
      const opened = await apply([
        [blocked, 'inactive', -5_000n],
        [refused, 'inactive', null],
      ]);
      const { id } = await activeOn('DS-BLOCKED');
      expect(await discrepanciesRepository.findById(db(), id)).toMatchObject({
        status: 'open',
        openedRunId: opened,
        lastDifference: -5_000n,
      });
      expect(await activeOn('DS-REFUSED')).toBeUndefined();
      await discrepanciesRepository.setStatus(db(), id, 'acknowledged', 'blocked by the provider');
      const moved = await apply([[blocked, 'inactive', -45_000n]]);
      expect(await discrepanciesRepository.findById(db(), id)).toMatchObject({
        status: 'open',
        occurrences: 2,
        lastRunId: moved,
        lastDifference: -45_000n,
        note: `blocked by the provider\ndifference changed from -50.00 to -450.00 in run ${moved}; reopened`,
      });
    });

    it('writes the amounts of its note as formatAmount does (beyond 2^53, under one unit, negative)', async () => {
      const { id } = await activeOn('DS-OPEN'); // BEYOND_2_53 now
      await discrepanciesRepository.setStatus(db(), id, 'acknowledged', 'known');
      const run = await mismatches([[open, -5n]], TOLERANCE);
      expect((await discrepanciesRepository.findById(db(), id))!.note).toBe(
        `known\ndifference changed from ${formatAmount(BEYOND_2_53)} to ${formatAmount(-5n)} in run ${run}; reopened`,
      );
    });

    it('reopens one acknowledged without a recorded difference (an older producer during a rolling deploy), measured from its last difference', async () => {
      const [oldPod, drifting] = await createAccounts(db(), ['DS-OLDPOD', 'DS-DRIFT']);
      await mismatches(
        [
          [oldPod, -1_000_000n],
          [drifting, -1_000_000n],
        ],
        TOLERANCE,
      );
      const { id } = await activeOn('DS-OLDPOD');
      const { id: driftId } = await activeOn('DS-DRIFT');
      // An acknowledge by a producer that predates acknowledged_difference: the column stays NULL.
      await db().query(
        `UPDATE discrepancies SET status = 'acknowledged', acknowledged_at = now(), note = 'old pod'
          WHERE id = ANY($1::bigint[])`,
        [[id, driftId]],
      );
      const run = await mismatches(
        [
          [oldPod, -250_000_000n], // 2,500,000.00 short now
          [drifting, -1_000_400n], // 4.00 more: within the tolerance
        ],
        TOLERANCE,
      );
      expect(await discrepanciesRepository.findById(db(), id)).toMatchObject({
        status: 'open',
        acknowledgedAt: null,
        lastDifference: -250_000_000n,
        acknowledgedDifference: -1_000_000n,
        note: `old pod\ndifference changed from -10000.00 to -2500000.00 in run ${run}; reopened`,
      });
      expect(await discrepanciesRepository.findUnannouncedReopenings(db(), run)).toEqual([
        { discrepancyId: id, runId: run },
      ]);
      // Still acknowledged: measured from the difference before this run from now on, so a
      // slow drift adds up (4.00, then 4.00 more: 8.00 from it).
      expect(await discrepanciesRepository.findById(db(), driftId)).toMatchObject({
        status: 'acknowledged',
        acknowledgedDifference: -1_000_000n,
      });
      const drift = await mismatches([[drifting, -1_000_800n]], TOLERANCE);
      expect(await discrepanciesRepository.findById(db(), driftId)).toMatchObject({
        status: 'open',
        note: `old pod\ndifference changed from -10000.00 to -10008.00 in run ${drift}; reopened`,
      });
    });
  });
});
