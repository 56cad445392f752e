import { resultsQuery, runListFilter, runListQuery } from './report-params';

describe('report parameters', () => {
  it('defaults page and page size and reads numbers from text', () => {
    expect(runListQuery.parse({})).toEqual({ page: 1, pageSize: 20 });
    expect(resultsQuery.parse({ page: '3', pageSize: '500' })).toEqual({ page: 3, pageSize: 500 });
  });

  it('reads a comma-separated status list, without repeats', () => {
    expect(resultsQuery.parse({ status: 'error,mismatched,error' }).status).toEqual([
      'error',
      'mismatched',
    ]);
    const bad = resultsQuery.safeParse({ status: 'error,open' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0].message).toMatch(/unknown status "open"/);
  });

  it('turns days into bounds in the time zone (to: the end of that day) and keeps instants', () => {
    const days = runListFilter(
      runListQuery.parse({ from: '2025-11-01', to: '2025-11-30' }),
      'Asia/Jakarta',
    );
    expect(days.startedFrom?.toISOString()).toBe('2025-10-31T17:00:00.000Z');
    expect(days.startedBefore?.toISOString()).toBe('2025-11-30T17:00:00.000Z');
    const instants = runListFilter(
      runListQuery.parse({ from: '2025-11-01T08:00:00+07:00', to: '2025-11-02T00:00:00Z' }),
      'Asia/Jakarta',
    );
    expect(instants.startedFrom?.toISOString()).toBe('2025-11-01T01:00:00.000Z');
    expect(instants.startedBefore?.toISOString()).toBe('2025-11-02T00:00:00.000Z');
  });

  it('refuses what is not a whole number, out of range, or unknown', () => {
    for (const query of [
      { page: '1.5' },
      { page: '0' },
      { pageSize: '501' },
      { page: ' 1' },
      { sort: 'id' },
    ]) {
      expect({ query, ok: runListQuery.safeParse(query).success }).toEqual({ query, ok: false });
    }
  });

  it('says the rule of a page number that is not 1 to 9 digits: from 1 to its largest', () => {
    for (const [query, rule] of [
      [{ page: '2147483648' }, 'must be a whole number from 1 to 1000000'],
      [{ page: '-1' }, 'must be a whole number from 1 to 1000000'],
      [{ pageSize: '-1' }, 'must be a whole number from 1 to 500'],
    ] as const) {
      const parsed = runListQuery.safeParse(query);
      expect(parsed.error?.issues.map((i) => i.message)).toEqual([rule]);
    }
  });
});
