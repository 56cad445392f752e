import { BadRequestException } from '@nestjs/common';
import { redactSecretValues } from '@app/snap';
import type { ZodType as ZodOutputType, ZodTypeDef } from 'zod';

/** Any schema producing T, whatever input it accepts (defaults and coercions differ in input). */
type ZodType<T> = ZodOutputType<T, ZodTypeDef, unknown>;

/**
 * A received value as echoed in a 400: JSON, at most 100 characters, and never a configured
 * secret (an API key pasted into a body is not sent back; redacted before cutting, so no
 * part of one is either).
 */
function echo(value: unknown): string {
  return redactSecretValues(JSON.stringify(value) ?? String(value)).slice(0, 100);
}

/** Most bad fields listed in one 400; the rest are counted in `errorsOmitted`. */
export const MAX_FIELD_ERRORS = 50;

/** A field name as echoed in a 400: never a configured secret, at most 100 characters. */
function fieldName(name: string): string {
  const shown = redactSecretValues(name);
  return shown.length > 100 ? `${shown.slice(0, 100)}…` : shown;
}

/**
 * Validates one part of a request; a 400 lists every bad field with the value received,
 * under `message: "invalid <what>"`.
 */
export function parseInput<T>(
  schema: ZodType<T>,
  input: unknown,
  what: string,
  fallbackField = `(${what})`,
): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fields = result.error.issues.flatMap((issue): BadField[] => {
    let value: unknown = input;
    for (const key of issue.path)
      value = (value as Record<string | number, unknown> | undefined)?.[key];
    // An unknown key, at the top or inside an object: one error per key, named by its path, with
    // its value. Zod's own message lists every unknown key; repeated per key it would grow with
    // their square (1,000 keys: 8 MB).
    if (issue.code === 'unrecognized_keys') {
      const record = value as Record<string, unknown> | undefined;
      return issue.keys.map((key) => ({
        field: [...issue.path, key].join('.'),
        value: record?.[key],
        reason: 'is not a known field',
      }));
    }
    return [{ field: issue.path.join('.') || fallbackField, value, reason: issue.message }];
  });
  return rejectFields(what, fields);
}

/** Validates a request body; a 400 lists every bad field with the value received. */
export function parseBody<T>(schema: ZodType<T>, body: unknown): T {
  return parseInput(schema, body, 'request body', '(body)');
}

/** Validates query parameters; a 400 names every bad parameter with the value received. */
export function parseQuery<T>(schema: ZodType<T>, query: unknown): T {
  return parseInput(schema, query ?? {}, 'query parameters');
}

/** Validates path parameters; a 400 names every bad parameter with the value received. */
export function parseParams<T>(schema: ZodType<T>, params: unknown): T {
  return parseInput(schema, params, 'path parameters');
}

/** A field of a request that is refused: its name, the value received and why. */
export interface BadField {
  field: string;
  value: unknown;
  reason: string;
}

/**
 * Throws the 400 of every validation failure: `invalid <what>`, each bad field with its value
 * as received ({@link echo}: redacted and bounded; absent is null) and the reason. At most
 * {@link MAX_FIELD_ERRORS} are listed, so the answer stays small whatever was sent; how many
 * more were refused is `errorsOmitted`.
 */
export function rejectFields(what: string, fields: readonly BadField[]): never {
  const listed = capErrors(fields, MAX_FIELD_ERRORS);
  throw new BadRequestException(
    Object.assign({ statusCode: 400, message: `invalid ${what}` }, listed, {
      errors: listed.errors.map(({ field, value, reason }) => ({
        field: fieldName(field),
        value: value === undefined ? null : echo(value),
        reason,
      })),
    }),
  );
}

/**
 * An answer's `errors`: the first `max`, and `errorsOmitted` counting the rest when there are
 * more, so an answer stays bounded whatever was sent.
 */
export function capErrors<T>(
  all: readonly T[],
  max: number,
): { errors: T[]; errorsOmitted?: number } {
  const errors = all.slice(0, max);
  return all.length > max ? { errors, errorsOmitted: all.length - max } : { errors };
}

/** Throws the same 400 as a failed validation for one parameter checked by hand. */
export function rejectParam(what: string, field: string, value: unknown, reason: string): never {
  return rejectFields(what, [{ field, value, reason }]);
}
