import { assertUtf8Body, assertUtf8Form, BodyNotUtf8Error } from './utf8-body';

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

const whereOf = (check: () => void) => {
  try {
    check();
  } catch (e) {
    expect(e).toBeInstanceOf(BodyNotUtf8Error);
    return (e as BodyNotUtf8Error).where;
  }
  return null;
};

describe('assertUtf8Body', () => {
  it('takes UTF-8, a byte order mark and a U+FFFD the body really holds', () => {
    expect(whereOf(() => assertUtf8Body(bytes('{"a":"café \uFFFD"}'), 'utf-8'))).toBeNull();
    expect(whereOf(() => assertUtf8Body(bytes([0xef, 0xbb, 0xbf], '{}'), 'utf-8'))).toBeNull();
  });

  it('names the first byte that is not UTF-8, after a real U+FFFD and in a sequence cut short (a reviewer saw an offset past the end)', () => {
    expect(whereOf(() => assertUtf8Body(bytes('{"a":"caf', [0xe9], '"}'), 'utf-8'))).toBe(
      'the byte at offset 9',
    );
    expect(whereOf(() => assertUtf8Body(bytes('{"a":"', [0xef, 0xbf, 0x41], '"}'), 'utf-8'))).toBe(
      'the byte at offset 6',
    );
    expect(
      whereOf(() => assertUtf8Body(bytes('{"a":"\uFFFD', [0xef, 0xbf, 0x41, 0xe9], '"}'), 'utf-8')),
    ).toBe('the byte at offset 9');
  });

  it('leaves another charset to its decoder', () => {
    expect(whereOf(() => assertUtf8Body(bytes([0xff, 0xfe, 0x7b, 0x00]), 'utf-16le'))).toBeNull();
  });
});

describe('assertUtf8Form', () => {
  it('takes %-escaped UTF-8 and + for spaces', () => {
    expect(whereOf(() => assertUtf8Form(bytes('note=caf%C3%A9+ok&x=1'), 'utf-8'))).toBeNull();
  });

  it('names the field whose escapes are not UTF-8 once decoded (a Latin-1 %E9 became U+FFFD in the note)', () => {
    expect(whereOf(() => assertUtf8Form(bytes('_csrf=abc&note=caf%E9'), 'utf-8'))).toBe(
      'field "note"',
    );
    expect(whereOf(() => assertUtf8Form(bytes('note=caf', [0xe9]), 'utf-8'))).toBe(
      'the byte at offset 8',
    );
  });
});
