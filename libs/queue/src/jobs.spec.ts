import { BalanceInquiryJobData, balanceJobData } from './jobs';

const first: BalanceInquiryJobData = {
  runId: '3',
  accountId: '9',
  provider: 'netzme',
  stage: 'first',
};
const recheck: BalanceInquiryJobData = {
  runId: '3',
  accountId: '9',
  provider: 'netzme',
  stage: 'recheck',
  recheck: 1,
  firstAsOf: '2026-12-01T00:00:00.000Z',
  previousAsOf: '2026-12-01T00:00:00.000Z',
  notBefore: 1_796_000_000_000,
  rateLimitHits: 2,
};

describe('balanceJobData: one shape for every balance-inquiry payload', () => {
  it('gives a first check and a re-check (as Redis hands them back) the same fields in the same order', () => {
    const a = balanceJobData(JSON.parse(JSON.stringify(first)) as BalanceInquiryJobData);
    const b = balanceJobData(JSON.parse(JSON.stringify(recheck)) as BalanceInquiryJobData);
    expect(Object.keys(a)).toEqual(Object.keys(b));
    expect(Object.keys(a)).toHaveLength(11);
  });

  it('keeps every value, and the payload written back to Redis is the one read', () => {
    for (const data of [first, recheck]) {
      const normalized = balanceJobData(JSON.parse(JSON.stringify(data)) as BalanceInquiryJobData);
      expect(JSON.parse(JSON.stringify(normalized))).toEqual(data);
    }
  });

  it('returns anything but an object as it is', () => {
    expect(balanceJobData(null as unknown as BalanceInquiryJobData)).toBeNull();
    expect(balanceJobData('x' as unknown as BalanceInquiryJobData)).toBe('x');
  });
});
