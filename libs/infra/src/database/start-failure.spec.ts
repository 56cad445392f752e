import { startFailureLine } from './start-failure';

describe('startFailureLine', () => {
  it('says to run the migrations when a table does not exist (SQLSTATE 42P01)', () => {
    const e = Object.assign(new Error('relation "reconciliation_runs" does not exist'), {
      code: '42P01',
    });
    expect(startFailureLine('producer', e)).toBe(
      'producer failed to start: relation "reconciliation_runs" does not exist (the database schema is not migrated: run `npm run cli -- migrate`, or `node dist/apps/cli/src/main.js migrate` where dist/ is built)\n',
    );
  });

  it('gives any other failure as it is', () => {
    expect(startFailureLine('worker', new Error('cannot listen'))).toBe(
      'worker failed to start: cannot listen\n',
    );
  });
});
