import { Rejections } from './rejections';
import { rowError } from './row-error';

describe('Rejections', () => {
  it('counts every rejected row, keeps the first ones, lists them by line', () => {
    const r = new Rejections(2);
    r.add(rowError(9, 'amount', '1', 'bad'));
    r.add(rowError(3, 'amount', '2', 'bad'));
    r.add(rowError(3, '(row)', '', 'second problem of line 3: not counted'));
    r.add(rowError(5, 'amount', '3', 'bad'));
    expect(r.summary()).toEqual({
      rejectedCount: 3,
      rejectedTruncated: true,
      rejected: [rowError(3, 'amount', '2', 'bad'), rowError(9, 'amount', '1', 'bad')],
    });
  });

  it('builds messages naming line, field and value, cutting long values', () => {
    expect(rowError(4, 'amount', '12.5', 'must be ...').message).toBe(
      'line 4, amount "12.5": must be ...',
    );
    const long = rowError(2, 'entry_ref', 'x'.repeat(300), 'too long');
    expect(long.value).toBe(`${'x'.repeat(200)}…`);
  });
});
