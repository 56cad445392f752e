import { MicroBatcher } from './micro-batcher';

const tick = () => new Promise((r) => setImmediate(r));

describe('MicroBatcher', () => {
  it('runs concurrent items as one batch and answers each in order', async () => {
    const batches: number[][] = [];
    const b = new MicroBatcher<number, number>(
      async (items) => {
        batches.push(items);
        return items.map((i) => i * 10);
      },
      { maxBatch: 100, maxInFlight: 1 },
    );
    expect(await Promise.all([1, 2, 3].map((i) => b.add(i)))).toEqual([10, 20, 30]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('keeps batches within maxBatch and maxInFlight; items arriving meanwhile go together', async () => {
    const batches: number[][] = [];
    let release: () => void = () => undefined;
    const b = new MicroBatcher<number, number>(
      async (items) => {
        batches.push(items);
        if (batches.length === 1) await new Promise<void>((r) => (release = r));
        return items;
      },
      { maxBatch: 2, maxInFlight: 1 },
    );
    const first = b.add(1);
    await tick();
    const rest = [2, 3, 4].map((i) => b.add(i));
    await tick();
    expect(batches).toEqual([[1]]);
    release();
    await Promise.all([first, ...rest]);
    expect(batches).toEqual([[1], [2, 3], [4]]);
  });

  it('never puts equal keys in one batch or in two running batches', async () => {
    const batches: string[][] = [];
    const b = new MicroBatcher<string, string>(
      async (items) => {
        batches.push(items);
        await tick();
        return items;
      },
      { maxBatch: 10, maxInFlight: 3, key: (s) => s[0] },
    );
    await Promise.all(['a1', 'a2', 'b1', 'a3', 'b2'].map((s) => b.add(s)));
    expect(batches).toEqual([['a1', 'b1'], ['a2', 'b2'], ['a3']]);
  });

  it('retries a failed batch item by item, so only the bad item fails', async () => {
    const b = new MicroBatcher<number, number>(
      async (items) => {
        if (items.includes(13)) throw new Error('bad 13');
        return items;
      },
      { maxBatch: 10, maxInFlight: 1 },
    );
    const results = await Promise.allSettled([12, 13, 14].map((i) => b.add(i)));
    expect(
      results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)),
    ).toEqual([12, 'bad 13', 14]);
  });
});
