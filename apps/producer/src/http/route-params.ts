/**
 * The path parameters of the API and the pages, each pattern written once, and the pipes that
 * check them: a bad one is a 400 naming the parameter and the value before a handler runs.
 */
import { BadRequestException, PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import { PROVIDERS } from '@app/snap';
import { parseParams } from '../validation';

/** A database id (a bigint): 1 to 18 digits, so it fits and reaches SQL as nothing else. */
export const DB_ID_PATTERN = /^\d{1,18}$/;
/** A run named in a path: its id, or `latest`. */
export const RUN_REF_PATTERN = /^(\d{1,18}|latest)$/;
/** Merchant ids and account numbers. */
export const ACCOUNT_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const ACCOUNT_ID_RULE = 'must be 1-64 of A-Z a-z 0-9 . _ -';

/** A merchant id or account number, in a path, a query or a body. */
export const accountIdText = z.string().regex(ACCOUNT_ID_PATTERN, ACCOUNT_ID_RULE);

/** Checks one path parameter against its pattern; a 400 names the parameter and the value. */
export class PathIdPipe implements PipeTransform<string, string> {
  constructor(
    private readonly name: string,
    private readonly pattern: RegExp,
    /** What a good value is, e.g. `a run id or "latest"`. */
    private readonly what: string,
  ) {}

  /** The value, unchanged, once it matches. */
  transform(value: string): string {
    if (!this.pattern.test(value)) {
      const shown = JSON.stringify(value.slice(0, 40));
      throw new BadRequestException({
        statusCode: 400,
        message: `${this.name}: ${shown} is not ${this.what}`,
        errors: [{ field: this.name, value: shown, reason: `must be ${this.what}` }],
      });
    }
    return value;
  }
}

/** `:id` of `/runs/:id/...`: a run id or `latest`. */
export const RUN_REF = new PathIdPipe('runId', RUN_REF_PATTERN, 'a run id or "latest"');
/** `:id` of a route that changes a run: its id only. */
export const RUN_ID = new PathIdPipe('runId', DB_ID_PATTERN, 'a run id');
/** `:id` of `/discrepancies/:id/...`. */
export const DISCREPANCY_ID = new PathIdPipe('id', DB_ID_PATTERN, 'a discrepancy id');

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

/** `:id` of `/runs/:id/...` as a schema: documents {@link RUN_REF}, checks {@link RUN_PARAMS}. */
export const runIdParams = z.object({
  id: z.string().regex(RUN_REF_PATTERN, 'must be a run id (digits) or "latest"'),
});
/**
 * The same check as {@link RUN_REF}, answered as a list of bad parameters (`invalid path
 * parameters`, field `id`) as the results routes have always answered; the summary and report
 * routes answer with {@link RUN_REF}'s one-line detail. Both answers are pinned by tests.
 */
export const RUN_PARAMS = new PathParamsPipe(runIdParams);
/** Documents {@link RUN_ID}. */
export const cancelRunParams = z.object({ id: z.string().regex(DB_ID_PATTERN) });
/** Documents {@link DISCREPANCY_ID}. */
export const discrepancyIdParams = z.object({
  id: z.string().regex(DB_ID_PATTERN, 'must be a discrepancy id'),
});
