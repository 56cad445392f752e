import { SharedReads } from './shared-reads';

describe('SharedReads', () => {
  let now = 0;
  const reads = new SharedReads(60_000, () => now);
  const never = () => new Promise<void>(() => undefined);

  it('a scrape finding a read under way waits on it; a settled read is not reused', async () => {
    const started: string[] = [];
    let finish!: () => void;
    const first = reads.run('queues', () => {
      started.push('first');
      return new Promise<void>((r) => (finish = r));
    });
    const second = reads.run('queues', async () => {
      started.push('second');
    });
    expect(second).toBe(first);
    finish();
    await first;
    await reads.run('queues', async () => {
      started.push('third');
    });
    expect(started).toEqual(['first', 'third']);
  });

  it('a read still unsettled after abandonMs is given up: the next scrape starts another', async () => {
    const started: number[] = [];
    now = 1_000;
    void reads.run('runs', () => (started.push(now), never()));
    now = 60_999;
    void reads.run('runs', () => (started.push(now), never()));
    expect(started).toEqual([1_000]);
    now = 61_000;
    void reads.run('runs', () => (started.push(now), never()));
    expect(started).toEqual([1_000, 61_000]);
    // Sources are apart: another source's read starts whatever this one does.
    void reads.run('breakers', () => (started.push(-1), never()));
    expect(started).toEqual([1_000, 61_000, -1]);
  });
});
