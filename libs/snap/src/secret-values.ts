const REDACTED = '[REDACTED]';
/** Shorter values are not worth scrubbing (and would mangle ordinary text). */
const MIN_LENGTH = 8;
/**
 * Access tokens rotate: the most recent ones only are kept. Every other value (configuration
 * secrets, key material) is kept for the life of the process, however many there are: a
 * deployment with hundreds of per-merchant keys must not push its own passwords out.
 */
export const MAX_ROTATING_VALUES = 5_000;

/** Every remembered value. */
const values = new Set<string>();
/** The rotating ones (access tokens) among them, oldest first. */
const rotating = new Set<string>();
/** Values by their first {@link MIN_LENGTH} characters, longest first. */
const byPrefix = new Map<string, string[]>();
/** Rolling hashes of those prefixes (with counts): a cheap test before any string is made. */
const prefixHashes = new Map<number, number>();

const BASE = 0x01000193;
const BASE_POW = (() => {
  let p = 1;
  for (let i = 1; i < MIN_LENGTH; i++) p = Math.imul(p, BASE);
  return p;
})();

function hashAt(text: string, start: number): number {
  let h = 0;
  for (let i = start; i < start + MIN_LENGTH; i++)
    h = (Math.imul(h, BASE) + text.charCodeAt(i)) | 0;
  return h;
}

function forget(value: string): void {
  values.delete(value);
  rotating.delete(value);
  const key = value.slice(0, MIN_LENGTH);
  const list = byPrefix.get(key)?.filter((v) => v !== value) ?? [];
  if (list.length > 0) byPrefix.set(key, list);
  else byPrefix.delete(key);
  const h = hashAt(value, 0);
  const n = (prefixHashes.get(h) ?? 1) - 1;
  if (n > 0) prefixHashes.set(h, n);
  else prefixHashes.delete(h);
}

/**
 * Remembers a secret value (client secret, key material, API key) so that
 * {@link redactSecretValues} removes it from any text, e.g. every log line: redaction by value,
 * behind the logger's redaction by field name. A value with a quote, a backslash or a control
 * character is also remembered as JSON writes it (a message or log line quoting it escapes it).
 * Kept for the life of the process; see {@link rememberRotatingSecretValue} for access tokens.
 */
export function rememberSecretValue(value: string | undefined | null): void {
  rememberValue(value, false);
}

/**
 * Remembers a value that is replaced as time goes on (an access token): only the
 * {@link MAX_ROTATING_VALUES} most recent such values are kept, the oldest forgotten first.
 */
export function rememberRotatingSecretValue(value: string | undefined | null): void {
  rememberValue(value, true);
}

function rememberValue(value: string | undefined | null, rotates: boolean): void {
  if (!value) return;
  remember(value, rotates);
  const escaped = JSON.stringify(value).slice(1, -1);
  if (escaped !== value) remember(escaped, rotates);
}

function remember(value: string, rotates: boolean): void {
  if (value.length < MIN_LENGTH) return;
  if (values.has(value)) {
    // A value also remembered as lasting is never forgotten.
    if (!rotates) rotating.delete(value);
    return;
  }
  if (rotates) {
    if (rotating.size >= MAX_ROTATING_VALUES) forget(rotating.values().next().value as string);
    rotating.add(value);
  }
  values.add(value);
  const key = value.slice(0, MIN_LENGTH);
  const list = byPrefix.get(key) ?? [];
  list.push(value);
  list.sort((a, b) => b.length - a.length);
  byPrefix.set(key, list);
  const h = hashAt(value, 0);
  prefixHashes.set(h, (prefixHashes.get(h) ?? 0) + 1);
}

/** Remembers the body lines of a PEM key (any one of them is secret material). */
export function rememberPemSecret(pem: string): void {
  for (const line of pem.split('\n')) {
    if (!line.startsWith('-----')) rememberSecretValue(line.trim());
  }
}

/**
 * The text with every remembered secret value replaced by `[REDACTED]`: scanning left to right,
 * the longest value found at a position is replaced and the scan goes on after it. Linear in
 * the text whatever the number of values (a rolling hash of the next {@link MIN_LENGTH}
 * characters is looked up before anything else), so every log line can afford it.
 */
export function redactSecretValues(text: string): string {
  if (values.size === 0 || text.length < MIN_LENGTH) return text;
  let out = '';
  let copied = 0;
  let i = 0;
  let h = hashAt(text, 0);
  const last = text.length - MIN_LENGTH;
  while (i <= last) {
    let matched = 0;
    if (prefixHashes.has(h)) {
      const list = byPrefix.get(text.slice(i, i + MIN_LENGTH));
      if (list) {
        for (const value of list) {
          if (text.startsWith(value, i)) {
            matched = value.length;
            break;
          }
        }
      }
    }
    if (matched > 0) {
      out += text.slice(copied, i) + REDACTED;
      i += matched;
      copied = i;
      if (i <= last) h = hashAt(text, i);
    } else {
      if (i < last) {
        h =
          (Math.imul(h - Math.imul(text.charCodeAt(i), BASE_POW), BASE) +
            text.charCodeAt(i + MIN_LENGTH)) |
          0;
      }
      i++;
    }
  }
  return copied === 0 ? text : out + text.slice(copied);
}
