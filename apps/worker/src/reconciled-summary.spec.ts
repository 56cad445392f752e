import { ReconciledSummary } from './reconciled-summary';

function recordingLogger() {
  const lines: { obj: Record<string, unknown>; msg: string }[] = [];
  const logger = {
    info: (obj: Record<string, unknown>, msg: string) => lines.push({ obj, msg }),
  } as unknown as ConstructorParameters<typeof ReconciledSummary>[0];
  return { lines, logger };
}

describe('ReconciledSummary', () => {
  it('writes one line per run with its counts by status, then counts afresh', () => {
    const { lines, logger } = recordingLogger();
    let now = 1_000;
    const summary = new ReconciledSummary(logger, 60_000, () => now);
    summary.add('run-1', 'matched');
    summary.add('run-1', 'matched');
    summary.add('run-1', 'mismatched');
    summary.add('run-2', 'matched');
    now = 3_500;
    summary.flush('run-1');
    expect(lines).toEqual([
      {
        msg: 'accounts reconciled',
        obj: { runId: 'run-1', accounts: 3, byStatus: { matched: 2, mismatched: 1 }, seconds: 2.5 },
      },
    ]);
    summary.flush('run-1');
    expect(lines).toHaveLength(1);
    summary.close();
    expect(lines.map((l) => l.obj.runId)).toEqual(['run-1', 'run-2']);
  });

  it('writes on its timer', () => {
    jest.useFakeTimers();
    try {
      const { lines, logger } = recordingLogger();
      const summary = new ReconciledSummary(logger, 10_000);
      summary.add('run-1', 'matched');
      jest.advanceTimersByTime(10_000);
      expect(lines).toHaveLength(1);
      jest.advanceTimersByTime(10_000);
      expect(lines).toHaveLength(1);
      summary.close();
    } finally {
      jest.useRealTimers();
    }
  });
});
