import { minifyJson } from './signing';

describe('minifyJson (SNAP minify: white space between JSON tokens removed)', () => {
  const min = (text: string) => minifyJson(Buffer.from(text)).toString();

  it('drops spaces, tabs and line breaks outside strings', () => {
    expect(min('{\n    "a": 1,\r\n\t"b": [ 1 , 2 ]\n}')).toBe('{"a":1,"b":[1,2]}');
  });

  it('keeps every byte inside strings, escaped quotes and backslashes included', () => {
    expect(min('{ "s": " a \\" b\\\\ ", "t": "x" }')).toBe('{"s":" a \\" b\\\\ ","t":"x"}');
  });

  it('keeps non-ASCII text byte for byte', () => {
    const text = '{ "note": "café ☕" }';
    expect(minifyJson(Buffer.from(text))).toEqual(Buffer.from('{"note":"café ☕"}'));
  });

  it('returns a minified body unchanged (the same buffer)', () => {
    const bytes = Buffer.from('{"a":"b c"}');
    expect(minifyJson(bytes)).toBe(bytes);
  });
});
