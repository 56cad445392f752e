import { BadRequestException } from '@nestjs/common';
import type { ZodType } from 'zod';

/** Validates a request body; a 400 lists every bad field with the value received. */
export function parseBody<T>(schema: ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const errors = result.error.issues.map((issue) => {
    let value: unknown = body;
    for (const key of issue.path) value = (value as Record<string | number, unknown> | undefined)?.[key];
    return {
      field: issue.path.join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(',') : '(body)'),
      value: value === undefined ? null : JSON.stringify(value).slice(0, 100),
      reason: issue.message,
    };
  });
  throw new BadRequestException({ statusCode: 400, message: 'invalid request body', errors });
}
