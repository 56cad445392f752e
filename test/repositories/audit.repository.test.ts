import { auditRepository, AuditEntry } from '@app/reconciliation';
import { createAccounts, useTestDatabase } from './repository-fixtures';

describe('audit repository (real Postgres)', () => {
  const db = useTestDatabase();
  const actor = { name: 'ops-1', role: 'operator' };
  const entry = (subjectId: string, over: Partial<AuditEntry> = {}): AuditEntry => ({
    actor,
    action: 'run.start',
    subjectType: 'run',
    subjectId,
    ...over,
  });

  beforeAll(async () => {
    await createAccounts(db(), ['AU-1']);
    await auditRepository.append(db(), []); // nothing to write: no statement, no error
    await auditRepository.append(db(), [
      entry('1', { after: { accountCount: 3, amount: '9007199254740993' }, note: '=cmd' }),
      entry('2'),
      entry('d1', {
        action: 'discrepancy.resolve',
        subjectType: 'discrepancy',
        account: { provider: 'netzme', accountNo: 'AU-1' },
        before: { status: 'open' },
      }),
      entry('d2', {
        action: 'discrepancy.acknowledge',
        subjectType: 'discrepancy',
        account: { provider: 'netzme', accountNo: 'NO-SUCH' },
      }),
    ]);
  });

  it('appends in order, resolving the account by natural key (an unknown one recorded without)', async () => {
    const all = await auditRepository.findPage(db(), {}, 10, 0);
    expect(all.map((r) => r.subjectId)).toEqual(['d2', 'd1', '2', '1']);
    expect(all[1]).toMatchObject({
      provider: 'netzme',
      accountNo: 'AU-1',
      before: { status: 'open' },
    });
    expect(all[0]).toMatchObject({ provider: null, accountNo: null });
    expect(all[3]).toMatchObject({
      actorName: 'ops-1',
      actorRole: 'operator',
      action: 'run.start',
      after: { accountCount: 3, amount: '9007199254740993' },
      before: null,
      note: '=cmd',
    });
    expect(all[3].at).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('filters by subject and by account, counts, and pages by keyset oldest first', async () => {
    expect(await auditRepository.count(db(), {})).toBe(4);
    expect(await auditRepository.count(db(), { subjectType: 'run' })).toBe(2);
    expect(
      await auditRepository.count(db(), { account: { provider: 'netzme', accountNo: 'AU-1' } }),
    ).toBe(1);
    const page2 = await auditRepository.findPage(db(), {}, 2, 2);
    expect(page2.map((r) => r.subjectId)).toEqual(['2', '1']);
    const first = await auditRepository.findAfter(db(), {}, '0', 3);
    expect(first.map((r) => r.subjectId)).toEqual(['1', '2', 'd1']);
    const rest = await auditRepository.findAfter(db(), {}, first[2].id, 3);
    expect(rest.map((r) => r.subjectId)).toEqual(['d2']);
  });

  it('refuses to change the trail (append-only table)', async () => {
    await expect(db().query(`DELETE FROM audit_log`)).rejects.toThrow();
  });
});
