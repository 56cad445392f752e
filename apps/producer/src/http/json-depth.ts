/** Deepest nesting of arrays and objects a JSON body may have (a ledger batch has 3). */
export const MAX_JSON_DEPTH = 20;

/** Thrown from the JSON parser's `verify` hook: body-parser answers it with its `status`. */
export class JsonTooDeepError extends Error {
  readonly status = 400;
  readonly type = 'entity.too.deep';
  constructor(
    readonly limit: number,
    readonly length: number,
  ) {
    super(`nests arrays or objects deeper than ${limit} levels`);
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN = new Set([0x5b, 0x7b]); // [ {
const CLOSE = new Set([0x5d, 0x7d]); // ] }

/**
 * Scans the raw bytes of a JSON body before it is parsed and throws once arrays and objects
 * nest deeper than `limit` (brackets inside strings do not count). Deep nesting is refused
 * before anything recursive (parsing, validation, echoing a value in an error) sees it.
 */
export function assertJsonDepth(buf: Buffer, limit = MAX_JSON_DEPTH): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i];
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) inString = true;
    else if (OPEN.has(b)) {
      if (++depth > limit) throw new JsonTooDeepError(limit, buf.length);
    } else if (CLOSE.has(b)) depth--;
  }
}
