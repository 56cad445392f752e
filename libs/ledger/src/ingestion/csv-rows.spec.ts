import { Readable } from 'node:stream';
import { readCsvRows } from './csv-rows';

const spec = { required: ['a', 'b'], optional: ['c'] } as const;

async function read(text: string) {
  const out: (string | number)[][] = [];
  for await (const items of readCsvRows(Readable.from([text]), spec)) {
    for (const item of items) {
      if ('row' in item) out.push([item.row.line, Object.values(item.row.values).join('|')]);
      else out.push([item.error.line, item.error.field, item.error.value]);
    }
  }
  return out;
}

describe('readCsvRows', () => {
  it('numbers lines as an editor does: header 1, blank lines counted, multi-line records by their first line', async () => {
    expect(await read('a,b\n1,2\n\n3,"x\ny"\n5,6\n')).toEqual([
      [2, '1|2'],
      [4, '3|x\ny'],
      [6, '5|6'],
    ]);
    expect(await read('a,b\r\n1,2\r\n\r\n3,"x\r\ny"\r\n5,6\r\n')).toEqual([
      [2, '1|2'],
      [4, '3|x\r\ny'],
      [6, '5|6'],
    ]);
  });

  it('a line with two stray quotes is one refused line, not two (the import counted a 2-row file as 3 rows)', async () => {
    const out = await read('a,b\n1,x =F("y")\n3,4\n');
    expect(out.map((item) => item[0])).toEqual([2, 3]);
    expect(out[0][1]).toBe('(row)');
  });

  it('reads a file whose line endings are mixed (LF header, CRLF rows, LF again)', async () => {
    expect(await read('a,b\n1,2\r\n\r\n3,"x\r\ny"\r\n5,6\n7,8')).toEqual([
      [2, '1|2'],
      [4, '3|x\r\ny'],
      [6, '5|6'],
      [7, '7|8'],
    ]);
  });

  it('strips a UTF-8 BOM and accepts the optional column', async () => {
    expect(await read('\ufeffa,b,c\n1,2,3\n')).toEqual([[2, '1|2|3']]);
  });

  it('reports field-count and quoting errors with their line and goes on', async () => {
    expect(await read('a,b\n1\n1,2,3\n4,5"x\n6,7\n')).toEqual([
      [2, 'b', ''],
      [3, '(row)', '1,2,3'],
      [4, '(row)', '4,5"'],
      [5, '6|7'],
    ]);
  });

  it('stops at a wrong header', async () => {
    expect(await read('a,c\n1,2\n')).toEqual([[1, '(header)', 'a,c']]);
    expect(await read('b,a\n1,2\n')).toEqual([[1, '(header)', 'b,a']]);
  });
});
