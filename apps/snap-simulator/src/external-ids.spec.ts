import { ExternalIdLedger } from './external-ids';

describe('ExternalIdLedger', () => {
  const at = (iso: string) => Date.parse(iso);

  it('a repeat by the same partner within the Jakarta day is refused', () => {
    const l = new ExternalIdLedger();
    expect(l.claim('netzme', 'P1', '1', at('2026-01-01T01:00:00Z'))).toBe(true);
    expect(l.claim('netzme', 'P1', '1', at('2026-01-01T16:59:59Z'))).toBe(false);
  });

  it('another partner, or another provider, may use the same id', () => {
    const l = new ExternalIdLedger();
    const now = at('2026-01-01T01:00:00Z');
    expect(l.claim('netzme', 'P1', '1', now)).toBe(true);
    expect(l.claim('netzme', 'P2', '1', now)).toBe(true);
    expect(l.claim('finnet', 'P1', '1', now)).toBe(true);
  });

  it('the day turns at midnight Jakarta time (17:00 UTC), not at UTC midnight', () => {
    const l = new ExternalIdLedger();
    expect(l.claim('nicepay', 'P', '7', at('2026-01-01T16:59:59Z'))).toBe(true);
    expect(l.claim('nicepay', 'P', '7', at('2026-01-01T17:00:00Z'))).toBe(true);
    expect(l.claim('nicepay', 'P', '7', at('2026-01-01T23:59:59Z'))).toBe(false);
  });
});
