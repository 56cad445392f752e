import { reconciliationInstant } from './reconciliation-instant';

describe('reconciliationInstant', () => {
  const sentAt = new Date('2026-12-01T10:00:00.000Z');
  const answeredAt = new Date('2026-12-01T10:00:00.400Z');

  it("is the provider's time inside the request's span, at either end too", () => {
    for (const t of [
      '2026-12-01T10:00:00.000Z',
      '2026-12-01T10:00:00.150Z',
      '2026-12-01T10:00:00.400Z',
    ])
      expect(reconciliationInstant(new Date(t), sentAt, answeredAt)).toEqual(new Date(t));
  });

  it('is when the request left for a provider clock behind ours, or no provider time', () => {
    expect(reconciliationInstant(new Date('2026-12-01T09:57:00Z'), sentAt, answeredAt)).toBe(
      sentAt,
    );
    expect(reconciliationInstant(null, sentAt, answeredAt)).toBe(sentAt);
  });

  it('is when the answer arrived for a provider clock ahead of ours', () => {
    expect(reconciliationInstant(new Date('2026-12-01T10:03:00Z'), sentAt, answeredAt)).toBe(
      answeredAt,
    );
  });
});
