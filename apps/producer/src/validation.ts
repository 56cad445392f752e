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
export function echo(value: unknown): string {
  return redactSecretValues(JSON.stringify(value) ?? String(value)).slice(0, 100);
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
  const shown = (value: unknown) => (value === undefined ? null : echo(value));
  const errors = result.error.issues.flatMap((issue) => {
    // An unknown key: one error per key, naming it and its value.
    if (issue.code === 'unrecognized_keys' && issue.path.length === 0) {
      const record = input as Record<string, unknown>;
      return issue.keys.map((key) => ({
        field: key,
        value: shown(record[key]),
        reason: issue.message,
      }));
    }
    let value: unknown = input;
    for (const key of issue.path)
      value = (value as Record<string | number, unknown> | undefined)?.[key];
    return [
      {
        field:
          issue.path.join('.') ||
          (issue.code === 'unrecognized_keys' ? issue.keys.join(',') : fallbackField),
        value: shown(value),
        reason: issue.message,
      },
    ];
  });
  throw new BadRequestException({ statusCode: 400, message: `invalid ${what}`, errors });
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

/** Throws the same 400 as a failed validation for one parameter checked by hand. */
export function rejectParam(what: string, field: string, value: unknown, reason: string): never {
  const shown = value === undefined ? null : echo(value);
  throw new BadRequestException({
    statusCode: 400,
    message: `invalid ${what}`,
    errors: [{ field, value: shown, reason }],
  });
}
