import { ExternalIdGenerator, MAX_INSTANCE_ID, randomInstanceId } from './external-id';

describe('ExternalIdGenerator', () => {
  it('makes 32-digit numeric ids (fits Netzme 32, Finnet 36, NICEPay 40)', () => {
    const id = new ExternalIdGenerator(42).next();
    expect(id).toMatch(/^\d{32}$/);
  });

  it('lays out epoch ms, instance number and sequence', () => {
    const g = new ExternalIdGenerator(1234567);
    expect(g.next(1_763_719_509_987)).toBe('1763719509987' + '1234567' + '000000000001');
    expect(g.next(1_763_719_509_987)).toBe('1763719509987' + '1234567' + '000000000002');
  });

  it('one generator never repeats itself, even within one millisecond', () => {
    const g = new ExternalIdGenerator(1);
    const ids = new Set(Array.from({ length: 100_000 }, () => g.next(1_700_000_000_000)));
    expect(ids.size).toBe(100_000);
  });

  it('two generators with distinct instance ids never collide, even at the same instant and sequence', () => {
    const a = new ExternalIdGenerator(7);
    const b = new ExternalIdGenerator(8);
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const now = 1_700_000_000_000 + (i % 3);
      seen.add(a.next(now));
      seen.add(b.next(now));
    }
    expect(seen.size).toBe(40_000);
  });

  it('rejects instance numbers outside 0..9999999', () => {
    expect(() => new ExternalIdGenerator(-1)).toThrow(RangeError);
    expect(() => new ExternalIdGenerator(MAX_INSTANCE_ID + 1)).toThrow(RangeError);
    expect(() => new ExternalIdGenerator(1.5)).toThrow(RangeError);
    expect(new ExternalIdGenerator(MAX_INSTANCE_ID).next()).toMatch(/^\d{13}9999999\d{12}$/);
  });

  it('random instance numbers are in range', () => {
    for (let i = 0; i < 1000; i++) {
      const n = randomInstanceId();
      expect(Number.isInteger(n) && n >= 0 && n <= MAX_INSTANCE_ID).toBe(true);
    }
  });
});
