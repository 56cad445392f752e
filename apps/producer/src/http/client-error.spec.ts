import { PassThrough } from 'node:stream';
import { answerClientError } from './client-error';

/** A socket stand-in: what is written to it, and whether it was destroyed. */
function socket(headersSent?: boolean) {
  const s = new PassThrough();
  let written = '';
  s.on('data', (d: Buffer) => (written += d.toString()));
  if (headersSent !== undefined) Object.assign(s, { _httpMessage: { headersSent } });
  return { s, written: () => written };
}

const error = (code: string) => Object.assign(new Error(code), { code });

describe('answerClientError', () => {
  it('answers a refused request with a problem document and destroys the socket', async () => {
    const { s, written } = socket();
    answerClientError(error('HPE_INVALID_METHOD'), s);
    await new Promise((r) => setImmediate(r));
    expect(written()).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(written()).toContain('"reason":"is not a valid HTTP/1.1 request"');
    expect(s.destroyed).toBe(true);
  });

  it('writes nothing into a response already under way (a pipelined request after it), and destroys the socket', async () => {
    const { s, written } = socket(true);
    answerClientError(error('HPE_INVALID_METHOD'), s);
    await new Promise((r) => setImmediate(r));
    expect(written()).toBe('');
    expect(s.destroyed).toBe(true);
  });

  it.each([
    ['HPE_HEADER_OVERFLOW', 431],
    ['HPE_CHUNK_EXTENSIONS_OVERFLOW', 413],
    ['ERR_HTTP_REQUEST_TIMEOUT', 408],
  ])('%s is answered %d, as Node answers it', async (code, status) => {
    const { s, written } = socket(false);
    answerClientError(error(code), s);
    await new Promise((r) => setImmediate(r));
    expect(written()).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
  });

  it('a reset connection gets no answer', () => {
    const { s, written } = socket();
    answerClientError(error('ECONNRESET'), s);
    expect(written()).toBe('');
    expect(s.destroyed).toBe(true);
  });
});
