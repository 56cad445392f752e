import {
  DEFAULT_INACTIVE_STATUS_VALUES,
  describeStatus,
  judgeStatus,
  UnseenStatusLog,
} from './account-status';

describe('judgeStatus: inactive only when a field says so', () => {
  it("the Get Account Status page's example (premium / approved_v2) is an active account", () => {
    const verdict = judgeStatus(
      { userStatus: 'premium', status: 'approved_v2' },
      DEFAULT_INACTIVE_STATUS_VALUES,
      ['premium', 'regular', 'approved_v2'],
    );
    expect(verdict).toEqual({ active: true, inactiveBecause: null, unseen: [] });
  });

  it.each(DEFAULT_INACTIVE_STATUS_VALUES)('"%s" in any case makes it inactive', (value) => {
    const upper = judgeStatus({ status: value.toUpperCase() }, DEFAULT_INACTIVE_STATUS_VALUES);
    expect(upper.active).toBe(false);
    expect(upper.inactiveBecause).toBe(`status=${value.toUpperCase()}`);
  });

  it('an unseen value is active and reported as unseen; a configured list replaces the default', () => {
    const verdict = judgeStatus({ userStatus: 'gold', status: 'pending_kyc' }, ['pending_kyc']);
    expect(verdict.active).toBe(false);
    expect(verdict.unseen).toEqual([{ field: 'userStatus', value: 'gold' }]);
    expect(judgeStatus({ status: 'blocked' }, ['pending_kyc']).active).toBe(true);
  });

  it('UnseenStatusLog says "first time" once per provider, field and value', () => {
    const log = new UnseenStatusLog();
    expect(log.firstTime('netzme', 'status', 'Gold')).toBe(true);
    expect(log.firstTime('netzme', 'status', 'gold')).toBe(false);
    expect(log.firstTime('netzme', 'userStatus', 'gold')).toBe(true);
  });

  it('describeStatus lists the values as the report shows them', () => {
    expect(describeStatus({ userStatus: 'premium', status: 'blocked' })).toBe(
      'userStatus=premium, status=blocked',
    );
  });
});
