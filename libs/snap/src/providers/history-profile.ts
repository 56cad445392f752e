import { z } from 'zod';

const path = z.string().regex(/^\/\S*$/, 'must start with "/" and hold no spaces');
/** A dotted path into a JSON object, e.g. `additionalInfo.details.side`. */
const jsonPath = z
  .string()
  .regex(/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/, 'must be a dotted path');

/**
 * How a provider's transaction history is asked for and read (issue 15): data in the
 * provider's profile, like the balance inquiry. A provider without one has `history: null`.
 *
 * The request body is a template: string values `{reference}`, `{accountNo}`, `{pageSize}`,
 * `{cursor}`, `{pageNumber}`, `{fromDateTime}`, `{toDateTime}` are filled in; a value that is
 * exactly `{pageSize}`, `{cursor}` or `{pageNumber}` becomes a number when the text is digits.
 */
export const historyProfileSchema = z
  .object({
    path,
    /** Path in the string to sign (defaults to `path`). */
    signedPath: path.optional(),
    /**
     * The HTTP method of a history call, and so the method part of its string to sign.
     * PROTOCOL.md §3: Netzme's history page says GET with a JSON body while POST is the SNAP
     * norm; only the provider's staging answer settles it, so it is a setting (default POST).
     * SnapHttp (undici) sends a GET with a body; fetch could not.
     */
    method: z.enum(['GET', 'POST']).default('POST'),
    /** The two-digit service code of a success answer (`2001200`: `12`). */
    serviceCode: z.string().regex(/^\d{2}$/, 'must be two digits'),
    request: z.record(z.unknown()),
    paging: z.discriminatedUnion('kind', [
      /** Newest first; the next page's cursor is the last event's cursor field; `firstCursor` asks for the newest page. */
      z.object({ kind: z.literal('cursor'), firstCursor: z.string() }).strict(),
      /** Page numbers from `firstPage` within the time range; a short page is the last. */
      z.object({ kind: z.literal('page-number'), firstPage: z.number().int().min(0) }).strict(),
    ]),
    /** The array of events in the answer. */
    eventsField: jsonPath,
    /** Event fields holding a JSON *string* (Netzme `additionalInfo.details`), parsed before reading. */
    jsonStringFields: z.array(jsonPath),
    event: z
      .object({
        /** The amount object `{value, currency}`. */
        amountField: jsonPath,
        /** ISO 8601 time with an offset (`2022-11-09T15:43:57+07:00`). */
        timeField: jsonPath,
        sideField: jsonPath,
        debitValues: z.array(z.string()).min(1),
        creditValues: z.array(z.string()).min(1),
        /** The provider's transaction id (matched against the ledger's `provider_ref`). */
        idField: jsonPath,
        typeField: jsonPath.nullable(),
        statusField: jsonPath.nullable(),
        /** Status values of an event that moved the balance; others are not counted. */
        settledStatusValues: z.array(z.string()),
        /** The running balance after the event (`"IDR 1343486.00"` or `{value, currency}`), if given. */
        runningBalanceField: jsonPath.nullable(),
        /** A flag the provider sets on an event it delivered twice. */
        duplicateField: jsonPath.nullable(),
        /** The event's paging cursor (cursor paging). */
        cursorField: jsonPath.nullable(),
        descriptionField: jsonPath.nullable(),
      })
      .strict(),
    /** Events asked for per page. */
    pageSize: z.number().int().min(1).max(500),
    /** Pages fetched per account at most (the cost cap; a hit is reported, never silent). */
    maxPagesPerAccount: z.number().int().min(1).max(1000),
  })
  .strict()
  .refine((h) => h.paging.kind !== 'cursor' || h.event.cursorField !== null, {
    message: 'cursor paging needs event.cursorField',
  });

export type HistoryProfile = z.infer<typeof historyProfileSchema>;
