import { ContractBreachError, SnapErrorDetails } from './errors';
import { redactSecretValues } from './secret-values';

/** Longest raw body kept on an error, so a huge page cannot flood logs or the database. */
const MAX_RAW_BODY = 2_000;

/** JSON fields whose values are credentials wherever they appear in a provider's answer; a
 * value cut off by the end of the body (an answer that is not JSON) counts to the end. */
const TOKEN_FIELDS =
  /("(?:accessToken|access_token|refreshToken|refresh_token|clientSecret|client_secret)"\s*:\s*)"(?:[^"\\]|\\.)*(?:"|$)/g;

/**
 * Every known secret and the value of any token field by `[REDACTED]`: a token the answer
 * carries is not remembered yet when the answer cannot be read.
 */
function redactSecrets(text: string): string {
  return redactSecretValues(text.replace(TOKEN_FIELDS, '$1"[REDACTED]"'));
}

/**
 * Replaces every known secret (those given and every remembered one), and the value of any
 * token field (`"accessToken": "..."`), by `[REDACTED]`, then truncates. Redaction comes first
 * so that truncation can never leave part of a secret behind.
 */
export function scrubBody(body: string, secrets: readonly string[]): string {
  let text = redactSecrets(body);
  for (const secret of secrets) {
    if (secret.length >= 4) text = text.split(secret).join('[REDACTED]');
  }
  return text.length > MAX_RAW_BODY
    ? `${text.slice(0, MAX_RAW_BODY)}…(${text.length} chars)`
    : text;
}

/**
 * A JSON object from a response body, or a contract breach naming what was wrong. The error's
 * details are only built when there is an error (scrubbing the raw body costs a pass over it).
 */
export function parseJsonObject(
  body: string,
  errorDetails: () => SnapErrorDetails,
): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    const details = errorDetails();
    // Redacted before it is cut: a cut through a secret would leave part of it unrecognised.
    const preview =
      body.trim() === '' ? 'an empty body' : JSON.stringify(redactSecrets(body).slice(0, 80));
    throw new ContractBreachError(
      `${details.provider}: response body is not JSON (HTTP ${details.httpStatus}, got ${preview})`,
      details,
      true,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    const details = errorDetails();
    throw new ContractBreachError(
      `${details.provider}: response body is not a JSON object (HTTP ${details.httpStatus}, got ${show(parsed)})`,
      details,
    );
  }
  return parsed as Record<string, unknown>;
}

/** Reads `a.b.c` from an object; `undefined` when any step is missing. */
export function pick(obj: unknown, path: string): unknown {
  let current: unknown = obj;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/**
 * `JSON.stringify` for messages, with a bound on the length; never throws (`JSON.stringify`
 * does on a bigint, shown as `5n`). A value may come from a provider's answer, which may echo a
 * secret or carry a token: known secrets and token fields are redacted first, then the text is
 * cut.
 */
export function show(value: unknown): string {
  const raw =
    typeof value === 'bigint'
      ? `${value}n`
      : value === undefined
        ? 'undefined'
        : (JSON.stringify(value) ?? String(value));
  const text = redactSecrets(raw);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
