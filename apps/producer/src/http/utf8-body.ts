import { isUtf8 } from 'node:buffer';

/** Thrown from the JSON parser's `verify` hook: body-parser answers it with its `status`. */
export class BodyNotUtf8Error extends Error {
  readonly status = 400;
  readonly type = 'entity.not.utf8';
  /** `where`: what is not UTF-8, for the answer's `value` (`the byte at offset 12`). */
  constructor(
    readonly where: string,
    reason = 'is not UTF-8 text (RFC 8259: JSON is UTF-8); send it as UTF-8',
  ) {
    super(reason);
  }
}

/** Where the first bytes that are not UTF-8 start: what the decoder would turn into U+FFFD. */
function firstBadOffset(buf: Buffer): number {
  const text = buf.toString('utf8');
  let bytes = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char);
    // U+FFFD is three bytes EF BF BD when the body holds it; anything else is a bad sequence
    // (which may be cut short: EF BF 41 is a bad sequence, then an A).
    const held = buf[bytes] === 0xef && buf[bytes + 1] === 0xbf && buf[bytes + 2] === 0xbd;
    if (char === '\uFFFD' && !held) return bytes;
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
  throw new BodyNotUtf8Error(`the byte at offset ${firstBadOffset(buf)}`);
}

const FORM_REASON = 'is not UTF-8 text once its %-escapes are decoded; send the form as UTF-8';

/**
 * The same for a form body (`note=caf%E9`): its bytes, and its %-escapes once decoded, must be
 * UTF-8, else the decoder would put U+FFFD into the note. `decodeURIComponent` refuses exactly
 * such escapes (and a stray `%`, which a browser never sends unescaped).
 */
export function assertUtf8Form(buf: Buffer, encoding: string): void {
  if (encoding.toLowerCase() !== 'utf-8') return;
  if (!isUtf8(buf)) {
    throw new BodyNotUtf8Error(`the byte at offset ${firstBadOffset(buf)}`, FORM_REASON);
  }
  for (const part of buf.toString('utf8').split('&')) {
    try {
      decodeURIComponent(part.replace(/\+/g, ' '));
    } catch {
      const name = part.split('=')[0].slice(0, 40);
      throw new BodyNotUtf8Error(`field ${JSON.stringify(name)}`, FORM_REASON);
    }
  }
}
