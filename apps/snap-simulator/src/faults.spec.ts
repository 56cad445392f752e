import { FaultQueue, FaultSpec } from './faults';

describe('FaultQueue', () => {
  it('consumes faults in order, counting times down', () => {
    const q = new FaultQueue<FaultSpec>([
      { kind: '500', times: 2 },
      { kind: '429', times: 1 },
    ]);
    expect(q.pending()).toEqual([
      { kind: '500', times: 2 },
      { kind: '429', times: 1 },
    ]);
    expect(q.take()?.kind).toBe('500');
    expect(q.pending()).toEqual([
      { kind: '500', times: 1 },
      { kind: '429', times: 1 },
    ]);
    expect(q.take()?.kind).toBe('500');
    expect(q.take()?.kind).toBe('429');
    expect(q.take()).toBeNull();
  });

  it('a fault without times stays forever and hides the ones after it', () => {
    const q = new FaultQueue<FaultSpec>([{ kind: 'non-json' }, { kind: '500', times: 1 }]);
    for (let i = 0; i < 5; i++) expect(q.take()?.kind).toBe('non-json');
    expect(q.pending()).toEqual([{ kind: 'non-json' }, { kind: '500', times: 1 }]);
  });

  it('does not share state with the specs it was given', () => {
    const specs: FaultSpec[] = [{ kind: '504', times: 1 }];
    const q = new FaultQueue(specs);
    q.take();
    expect(specs).toEqual([{ kind: '504', times: 1 }]);
  });
});
