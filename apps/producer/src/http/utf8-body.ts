import { isUtf8 } from 'node:buffer';

/** Thrown from the JSON parser's `verify` hook: body-parser answers it with its `status`. */
export class BodyNotUtf8Error extends Error {
  readonly status = 400;
  readonly type = 'entity.not.utf8';
  constructor(readonly offset: number) {
    super('is not UTF-8 text (RFC 8259: JSON is UTF-8); send it as UTF-8');
  }
}

/** Where the first bytes that are not UTF-8 start: what the decoder would turn into U+FFFD. */
function firstBadOffset(buf: Buffer): number {
  const text = buf.toString('utf8');
  let bytes = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char);
    // U+FFFD is three bytes EF BF BD when the body holds it; anything else is a bad sequence.
    if (char === '\uFFFD' && !(buf[bytes] === 0xef && buf[bytes + 1] === 0xbf)) return bytes;
    bytes += size;
  }
  return bytes;
}

/**
 * Refuses a body that is not UTF-8 before it is decoded: the decoder would replace the bad
 * bytes with U+FFFD, so that two different entry references (a Latin-1 `café` and `cafè`)
 * would be stored as one and the second counted as its duplicate. Other charsets the parser
 * was told of (`charset=utf-16`) are its own to decode.
 */
export function assertUtf8Body(buf: Buffer, encoding: string): void {
  if (encoding.toLowerCase() !== 'utf-8' || isUtf8(buf)) return;
  throw new BodyNotUtf8Error(firstBadOffset(buf));
}
