const REDACTED = '[REDACTED]';
/** Shorter values are not worth scrubbing (and would mangle ordinary text). */
const MIN_LENGTH = 8;
/** Access tokens rotate; keep the most recent ones only. */
const MAX_VALUES = 5_000;

const values = new Set<string>();
let pattern: RegExp | null = null;

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Remembers a secret value (client secret, key material, access token, API key) so that
 * {@link redactSecretValues} removes it from any text, e.g. every log line: redaction by value,
 * behind the logger's redaction by field name.
 */
export function rememberSecretValue(value: string | undefined | null): void {
  if (!value || value.length < MIN_LENGTH || values.has(value)) return;
  if (values.size >= MAX_VALUES) values.delete(values.values().next().value as string);
  values.add(value);
  pattern = null;
}

/** Remembers the body lines of a PEM key (any one of them is secret material). */
export function rememberPemSecret(pem: string): void {
  for (const line of pem.split('\n')) {
    if (!line.startsWith('-----')) rememberSecretValue(line.trim());
  }
}

/** The text with every remembered secret value replaced by `[REDACTED]`. */
export function redactSecretValues(text: string): string {
  if (values.size === 0) return text;
  pattern ??= new RegExp(
    [...values]
      .sort((a, b) => b.length - a.length)
      .map(escape)
      .join('|'),
    'g',
  );
  return text.replace(pattern, REDACTED);
}
