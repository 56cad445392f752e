import { nothingNeedsAttention } from './all-clear';

describe('nothingNeedsAttention: an all-clear only for a finished run that checked accounts', () => {
  it.each([
    [{ status: 'finished', accountCount: 12, completedCount: 12 }, 'every account matched'],
    [
      { status: 'skipped', accountCount: 0, completedCount: 0 },
      'no account checked: this scheduled run was skipped (a run of its scope was still running)',
    ],
    [
      { status: 'finished', accountCount: 0, completedCount: 0 },
      'no account checked: the run had no accounts',
    ],
    [
      { status: 'running', accountCount: 12, completedCount: 5 },
      'no account needs attention so far: the run is running, 5 of 12 accounts done',
    ],
    [
      { status: 'cancelled', accountCount: 12, completedCount: 7 },
      'no account needs attention so far: the run is cancelled, 7 of 12 accounts done',
    ],
  ] as const)('%o: %s', (run, expected) => {
    expect(nothingNeedsAttention(run)).toBe(expected);
  });
});
