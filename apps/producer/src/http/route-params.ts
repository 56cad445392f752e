/**
 * The path parameters of the API and the pages, each pattern written once, and the pipes that
 * check them: a bad one is a 400 naming the parameter and the value before a handler runs.
 */
import { PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import { PROVIDERS } from '@app/snap';
import { parseParams, rejectParam } from '../validation';

/** A database id (a bigint): 1 to 18 digits, so it fits and reaches SQL as nothing else. */
export const DB_ID_PATTERN = /^\d{1,18}$/;
/** A run named in a path: its id, or `latest`. */
export const RUN_REF_PATTERN = /^(\d{1,18}|latest)$/;
/** Merchant ids and account numbers. */
export const ACCOUNT_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const ACCOUNT_ID_RULE = 'must be 1-64 of A-Z a-z 0-9 . _ -';

/** A merchant id or account number, in a path, a query or a body. */
export const accountIdText = z.string().regex(ACCOUNT_ID_PATTERN, ACCOUNT_ID_RULE);

/**
 * Checks one path parameter against its pattern. A bad one is the same 400 as every other
 * validation failure (`invalid path parameters`, the parameter by its documented name, the value
 * and the rule), so a client reads one shape whichever route refused it.
 */
export class PathIdPipe implements PipeTransform<string, string> {
  constructor(
    /** The parameter's name in the route and the API description (`id`). */
    private readonly name: string,
    private readonly pattern: RegExp,
    /** What a good value is, as a rule: `must be a run id (1 to 18 digits) or "latest"`. */
    private readonly rule: string,
  ) {}

  /** The value, unchanged, once it matches. */
  transform(value: string): string {
    if (!this.pattern.test(value)) rejectParam('path parameters', this.name, value, this.rule);
    return value;
  }
}

const RUN_REF_RULE = 'must be a run id (1 to 18 digits) or "latest"';
export const RUN_ID_RULE = 'must be a run id (1 to 18 digits)';
const DISCREPANCY_ID_RULE = 'must be a discrepancy id (1 to 18 digits)';

/** `:id` of `/runs/:id/...`: a run id or `latest`. */
export const RUN_REF = new PathIdPipe('id', RUN_REF_PATTERN, RUN_REF_RULE);
/** `:id` of a route that changes a run: its id only. */
export const RUN_ID = new PathIdPipe('id', DB_ID_PATTERN, RUN_ID_RULE);
/** `:id` of `/discrepancies/:id/...`. */
export const DISCREPANCY_ID = new PathIdPipe('id', DB_ID_PATTERN, DISCREPANCY_ID_RULE);

/** Checks all path parameters with a zod schema; a 400 lists each bad one with its value. */
export class PathParamsPipe<T> implements PipeTransform<unknown, T> {
  constructor(private readonly schema: z.ZodType<T, z.ZodTypeDef, unknown>) {}

  /** The parsed parameters. */
  transform(params: unknown): T {
    return parseParams(this.schema, params);
  }
}

/** `:provider/:accountNo` (documents and checks them). */
export const accountParams = z.object({
  provider: z.enum(PROVIDERS),
  accountNo: accountIdText,
});
export const ACCOUNT_PARAMS = new PathParamsPipe(accountParams);

/** Documents {@link RUN_REF}. */
export const runIdParams = z.object({ id: z.string().regex(RUN_REF_PATTERN, RUN_REF_RULE) });
/** Documents {@link RUN_ID}. */
export const cancelRunParams = z.object({ id: z.string().regex(DB_ID_PATTERN, RUN_ID_RULE) });
/** Documents {@link DISCREPANCY_ID}. */
export const discrepancyIdParams = z.object({
  id: z.string().regex(DB_ID_PATTERN, DISCREPANCY_ID_RULE),
});
